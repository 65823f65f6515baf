-- The users and sessions of the calls whose bodies hold an email's keyed hash (grain: call):
-- the record's user id, or the one a login or registration answers with (`response.user_id`).
SELECT DISTINCT
    session_id,
    greatest(user_id, JSONExtractUInt(response, 'user_id')) AS user_id
FROM pd.api_calls
WHERE position(request, {body_hash:String}) > 0 OR position(response, {body_hash:String}) > 0
