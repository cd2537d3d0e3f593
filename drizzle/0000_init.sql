CREATE TABLE "consumers" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"labels" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idx_consumers_name" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "resources" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"source" text NOT NULL,
	"consumer_name" text NOT NULL,
	"version" bigint NOT NULL,
	"type" text DEFAULT '' NOT NULL,
	"payload" jsonb NOT NULL,
	"status" jsonb,
	"status_sequence_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "server_instances" (
	"id" text PRIMARY KEY NOT NULL,
	"last_heartbeat" timestamp with time zone DEFAULT now() NOT NULL,
	"ready" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "resources" ADD CONSTRAINT "fk_resources_consumers" FOREIGN KEY ("consumer_name") REFERENCES "public"."consumers"("name") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
CREATE UNIQUE INDEX "idx_resources_name" ON "resources" USING btree ("name");--> statement-breakpoint
CREATE INDEX "idx_resources_source" ON "resources" USING btree ("source");--> statement-breakpoint
CREATE INDEX "idx_resources_consumer_name" ON "resources" USING btree ("consumer_name");--> statement-breakpoint
CREATE INDEX "idx_resources_deleted_at" ON "resources" USING btree ("deleted_at") WHERE "resources"."deleted_at" IS NOT NULL;