-- 0071: who last did each workflow action on each record, for four-eyes
-- (wf_transition_t.distinct_from, engine/workflow.c).  The check read the
-- record's audit trail, which `audit purge` may cut after 180 days: a
-- record checked long ago could then be approved by its own checker.  One
-- row per (entity, record, action), replaced (deleted and inserted, so id
-- order is the order the actions were last done) in the transition's
-- transaction.  Filled here from the audit rows still held.
CREATE TABLE workflow_steps (
    id        @PK@,
    entity    TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    action    TEXT NOT NULL,
    user_id   BIGINT,
    done_at   @TS@ NOT NULL
);
CREATE UNIQUE INDEX workflow_steps_key ON workflow_steps (entity, record_id, action);
CREATE INDEX workflow_steps_record ON workflow_steps (entity, record_id, id);
INSERT INTO workflow_steps (entity, record_id, action, user_id, done_at)
SELECT a.entity, a.entity_id, substr(a.action, 10), a.user_id, a.at FROM audit_log a
WHERE a.action LIKE 'workflow.%' AND a.action <> 'workflow.escalate' AND a.result = 'ok'
  AND a.entity IS NOT NULL AND a.entity_id IS NOT NULL
  AND a.id = (SELECT MAX(b.id) FROM audit_log b WHERE b.entity = a.entity AND b.entity_id = a.entity_id
              AND b.action = a.action AND b.result = 'ok')
ORDER BY a.id;
