// drizzle-kit configuration: generates SQL migrations in drizzle/ from src/store/schema.ts.
// Run `npm run db:generate` after changing the schema; commit the generated files.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/store/schema.ts",
  out: "./drizzle",
});
