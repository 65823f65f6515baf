-- One state of a day's publish in its journal, etl.publishes (migration 0050).
INSERT INTO etl.publishes (day, version, wrote_visitors, jobs, state)
VALUES ({day:Date}, {version:UInt64}, {wrote_visitors:Bool}, {jobs:Array(String)}, {state:String})
