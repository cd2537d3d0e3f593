// The read side of resources for the REST API: get one and list pages, soft-deleted rows
// included as in Maestro. All writes go through the batch writer.

import { eq } from "drizzle-orm";
import { Errors } from "../errors.ts";
import type { Orm } from "./database.ts";
import { listPage, type ListPage, type ListPageQuery } from "./list-page.ts";
import { resources, type ResourceRow } from "./schema.ts";

/**
 * Resource reads. Example: `const rb = await new ResourceRepository(db.orm).get(id);`
 */
export class ResourceRepository {
  constructor(private readonly orm: Orm) {}

  /** The resource with this id (deleting ones too), or a 404 `Resource with id='<id>' not found`. */
  async get(id: string): Promise<ResourceRow> {
    const rows = await this.orm.select().from(resources).where(eq(resources.id, id)).limit(1);
    if (!rows[0]) throw Errors.notFound(`Resource with id='${id}' not found`);
    return rows[0];
  }

  /** One page of resources matching the compiled filter. */
  list(query: ListPageQuery): Promise<ListPage<ResourceRow>> {
    return listPage(this.orm, resources, query);
  }
}
