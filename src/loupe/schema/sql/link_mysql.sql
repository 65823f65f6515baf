-- The production link over MySQL/MariaDB (schema/link.py): its tables are read live. The
-- identity (the URL without the password) is the COMMENT, which takes a literal only.
CREATE DATABASE {database:Identifier}
ENGINE = MySQL({address:String}, {source_database:String}, {user:String}, {password:String})
COMMENT {{ identity | literal }}
