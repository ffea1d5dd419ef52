-- Run once, when the compose PostgreSQL volume is first made: the statistics
-- `blog analyze --slow-queries` reads.
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
