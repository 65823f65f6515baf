-- The production link over the embedded default's SQLite file (schema/link.py): its tables are
-- read live. The identity (`sqlite:` and the absolute path) is the COMMENT, a literal only.
CREATE DATABASE {database:Identifier}
ENGINE = SQLite({path:String})
COMMENT {{ identity | literal }}
