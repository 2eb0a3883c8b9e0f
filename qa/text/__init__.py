"""Text: cleaning, scripts, languages, sentences and passages, stems, the glossary."""
