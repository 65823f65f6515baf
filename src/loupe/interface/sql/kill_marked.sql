-- Cancel the engine's query whose text starts with the interface's marker for one client query
-- id (interface/running.py): chDB gives its queries ids of its own, so the marker finds it in
-- system.processes. SYNC: the statement returns once the query has stopped.
KILL QUERY WHERE startsWith(query, {marker:String}) SYNC FORMAT TSVRaw
