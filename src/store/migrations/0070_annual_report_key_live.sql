-- 0070: one *live* annual report per district and year.  The key index of
-- 0060 covered deleted reports too, so a district that deleted its report
-- could never generate that year again (generate found the deleted one, and
-- an insert would have hit the index).  Deleted reports keep their key.
DROP INDEX annual_report_key;
CREATE UNIQUE INDEX annual_report_key ON annual_report (report_key) WHERE deleted_at IS NULL;
