-- audit: each cart episode's columns agree with each other (docs/etl.md, dwh.carts)
-- Offending rows: the episodes of dwh.carts that started on the day (business timezone), with
-- the names of the rules they break. dwh.carts is recomputed whole by every build, so a day's
-- audit reads the episodes that started on it. Grain: cart episode.
SELECT cart_key, episode_start, status, problems
FROM (
    SELECT cart_key, episode_start, status,
        arrayFilter(problem -> problem != '', [
            if(status NOT IN ('open', 'abandoned', 'ordered', 'emptied'), 'unknown status', ''),
            if((status = 'ordered') != (ordered_at IS NOT NULL),
               'ordered_at does not follow the status', ''),
            if((status = 'ordered') != (days_to_order IS NOT NULL AND visits_before_order IS NOT NULL),
               'days_to_order and visits_before_order do not follow the status', ''),
            if(ifNull(days_to_order, 0) < 0 OR ifNull(ordered_at, episode_start) < episode_start,
               'ordered before it started', ''),
            if(ifNull(days_to_order, 0) != ifNull(toDate(ordered_at, {timezone:String})
                   - toDate(episode_start, {timezone:String}), 0),
               'days_to_order is not the days from episode_start to ordered_at', ''),
            if(ifNull(visits_before_order, 1) = 0, 'ordered without a visit', ''),
            if(units < lines, 'fewer units than lines', ''),
            if(lines = 0, 'an episode without lines', ''),
            if(lines_out_of_stock > lines OR (status NOT IN ('open', 'abandoned') AND lines_out_of_stock > 0),
               'lines out of stock it does not hold', ''),
            if(last_changed_at < episode_start OR last_changed_at > as_of
                   OR (status = 'ordered' AND last_changed_at != ordered_at),
               'last_changed_at outside the episode', ''),
            if(user_id != if(startsWith(cart_key, 'u:'), toUInt64OrZero(substring(cart_key, 3)), 0),
               'user_id does not follow cart_key', '')
        ]) AS problems
    FROM dwh.carts
    WHERE toDate(episode_start, {timezone:String}) = {day:Date}
)
WHERE notEmpty(problems)
