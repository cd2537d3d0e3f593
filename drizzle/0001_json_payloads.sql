-- payload and status become json (text kept as written: REST lists read it back without jsonb's
-- binary-to-text conversion); metadata holds payload.metadata as jsonb for label searches, and
-- status_version the stored status's resourceversion for the redelivery scan. Both are filled
-- from the existing rows before the type change.
ALTER TABLE "resources" ADD COLUMN "metadata" jsonb;--> statement-breakpoint
ALTER TABLE "resources" ADD COLUMN "status_version" bigint;--> statement-breakpoint
UPDATE "resources" SET "metadata" = "payload" -> 'metadata',
  "status_version" = CASE WHEN ("status" ->> 'resourceversion') ~ '^[0-9]{1,18}$' THEN ("status" ->> 'resourceversion')::bigint END;--> statement-breakpoint
ALTER TABLE "resources" ALTER COLUMN "payload" SET DATA TYPE json USING "payload"::json;--> statement-breakpoint
ALTER TABLE "resources" ALTER COLUMN "status" SET DATA TYPE json USING "status"::json;
