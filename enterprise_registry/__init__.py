"""The emergency reduction list (应急减排清单) as data: tables, vocabulary, import/export."""
