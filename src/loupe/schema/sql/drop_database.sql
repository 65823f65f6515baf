-- Drops a database of links (schema/link.py): dropping a link never touches its source.
DROP DATABASE IF EXISTS {database:Identifier}
