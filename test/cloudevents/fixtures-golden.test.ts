// Golden round trip over every CloudEvent sample in shared/fixtures/maestro-events: JSON codec ->
// OCM protobuf -> back, with the attribute kinds Go would put on the wire.

import { describe, expect, test } from "bun:test";
import { readInteger, readOptionalTime, readString } from "../../src/cloudevents/attributes.ts";
import { parseEventType } from "../../src/cloudevents/event-type.ts";
import { cloudEventFromJson, cloudEventFromStoredPayload, cloudEventToJson, cloudEventToStoredPayload } from "../../src/cloudevents/json-codec.ts";
import { cloudEventToMessage, decodeCloudEvent, decodePublishedCloudEvent, encodeCloudEvent, encodePublishedCloudEvent } from "../../src/cloudevents/ocm-binding.ts";
import { formatTimestamp } from "../../src/cloudevents/time.ts";
import { Ext } from "../../src/cloudevents/types.ts";
import { cloudEventFixtures } from "./helpers.ts";
import { PbCloudEvent, pbDecode } from "./protobufjs.ts";

const fixtures = cloudEventFixtures();

describe("fixture CloudEvents", () => {
  test("the fixture folder holds the expected CloudEvent samples", () => {
    expect(fixtures.map(([f]) => f)).toEqual([
      "cloudevents.agent.json",
      "cloudevents.grpcclient.json",
      "cloudevents.spec.maestro.json",
      "cloudevents.status.maestro.json",
      "example.cloudevent-delete.json",
      "example.cloudevent-status-resync.json",
      "example.cloudevent-update.json",
      "example.cloudevent.json",
    ]);
  });

  for (const [file, json] of fixtures) {
    describe(file, () => {
      const evt = cloudEventFromJson(json);

      test("JSON -> CloudEvent -> JSON is lossless", () => {
        expect(cloudEventToJson(evt)).toEqual(json as never);
        parseEventType(evt.type);
      });

      test("JSON -> protobuf (OCM) -> CloudEvent gives the same event", () => {
        expect(decodeCloudEvent(encodeCloudEvent(evt))).toEqual(evt);
        expect(decodePublishedCloudEvent(encodePublishedCloudEvent(evt))).toEqual(evt);
      });

      test("wire attributes carry Go's kinds", () => {
        const pb = pbDecode(PbCloudEvent, encodeCloudEvent(evt)) as {
          attributes: Record<string, Record<string, unknown>>;
          binaryData?: Uint8Array;
          data?: string;
        };
        const attrs = pb.attributes;
        expect(attrs.contenttype?.attr).toBe("ceString");
        if (json.time !== undefined) {
          expect(attrs["ce-time"]?.attr).toBe("ceTimestamp");
          expect(formatTimestamp(evt.time!)).toBe(json.time as string);
        }
        if (json.resourceversion !== undefined) expect(attrs["ce-resourceversion"]?.attr).toBe("ceInteger");
        if (json.metadata !== undefined) expect(attrs["ce-metadata"]?.attr).toBe("ceString");
        for (const key of Object.keys(attrs)) expect(key === "contenttype" || key.startsWith("ce-")).toBe(true);
        expect(pb.data).toBe("binaryData");
      });

      test("lenient readers get typed values back", () => {
        const back = decodeCloudEvent(encodeCloudEvent(evt));
        if (json.resourceversion !== undefined) {
          expect(back.extensions[Ext.resourceVersion]?.kind).toBe("integer");
          expect(readInteger(back, Ext.resourceVersion)).toBe(json.resourceversion as number);
        }
        if (json.metadata !== undefined) {
          expect(back.extensions[Ext.metadata]?.kind).toBe("string");
          expect(JSON.parse(readString(back, Ext.metadata))).toEqual(JSON.parse(json.metadata as string));
        }
        if (json.resourceid !== undefined) expect(readString(back, Ext.resourceId)).toBe(json.resourceid as string);
        if (json.deletiontimestamp !== undefined) {
          expect(formatTimestamp(readOptionalTime(back, Ext.deletionTimestamp)!)).toBe(json.deletiontimestamp as string);
        }
        if (json.time !== undefined) expect(back.time).toBeDefined();
      });

      test("stored payload round trip keeps the event (metadata re-marshalled, deletion time typed)", () => {
        const stored = cloudEventFromStoredPayload(JSON.parse(JSON.stringify(cloudEventToStoredPayload(evt))));
        if (json.metadata !== undefined) {
          expect(JSON.parse(readString(stored, Ext.metadata))).toEqual(JSON.parse(json.metadata as string));
        }
        if (json.deletiontimestamp !== undefined) expect(stored.extensions[Ext.deletionTimestamp]?.kind).toBe("timestamp");
        expect(cloudEventToMessage(stored).attributes.size).toBe(cloudEventToMessage(evt).attributes.size);
        expect(stored.data).toEqual(evt.data);
      });
    });
  }
});
