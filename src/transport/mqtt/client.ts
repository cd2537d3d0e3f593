// A thin MQTT v5 client for CloudEvents over mqtt.js: connect with Maestro's broker settings,
// subscribe, publish awaiting PUBACK, receive decoded events. Bytes <-> CloudEvent only; no resync.

import type { ConnectionOptions } from "node:tls";
import { connect as mqttConnect, type IClientOptions, type IPublishPacket, type ISubscriptionMap, type MqttClient } from "mqtt";
import { assert } from "../../assert.ts";
import { decodeMqttMessage, encodeMqttMessage, type EncodedMqttEventMessage } from "../../cloudevents/mqtt-binding.ts";
import type { CloudEvent } from "../../cloudevents/types.ts";
import { readConfigFile } from "../../config/flags.ts";
import { toMaestroError, type MaestroError } from "../../errors.ts";
import {
  mqttCloseTimeoutMs,
  mqttPacketBytesMax,
  mqttPublishInflightMax,
  mqttPublishQueueBytesMax,
  mqttPublishQueueMax,
  mqttPublishTimeoutMs,
  mqttReceivePacketBytesMax,
  mqttReconnectJitter,
  mqttReconnectPeriodMs,
  mqttResubscribeRetryMs,
} from "../../limits.ts";
import { usesTls, type MqttBrokerConfig } from "./broker-config.ts";
import { mqttClosedError, mqttReasonCode, MqttTransportError } from "./errors.ts";
import { PublishQueue, type MqttPublishStats, type PublishDone, type PublishRequest, type PublishTransport } from "./publish-queue.ts";

export { MqttTransportError, type MqttTransportErrorCode } from "./errors.ts";
export type { MqttPublishStats } from "./publish-queue.ts";

/** Connection lifecycle callbacks; each optional. A callback that throws is reported to onError. */
export interface MqttClientHandlers {
  /** Connected and every subscription (re)established; `reconnected` is false the first time. */
  onConnect?(reconnected: boolean): void;
  /** The connection was lost; mqtt.js reconnects by itself and onConnect(true) follows. */
  onDisconnect?(): void;
  /** A connection-level problem (TLS, refused CONNACK, resubscribe refused); one per outage. */
  onError?(error: Error): void;
}

/** Overrides of the limits.ts defaults (tests shrink them). */
export interface MqttClientOptions {
  readonly publishTimeoutMs?: number;
  readonly publishBytesMax?: number;
  readonly publishQueueMax?: number;
  readonly publishQueueBytesMax?: number;
  readonly publishInflightMax?: number;
  readonly reconnectPeriodMs?: number;
}

type EventHandler = (topic: string, event: CloudEvent) => void;
type MalformedHandler = (topic: string, error: MaestroError) => void;

/** An upper bound of the PUBLISH packet size (headers, topic, properties, payload). */
function publishPacketBytes(topic: string, encoded: EncodedMqttEventMessage): number {
  let bytes = 16 + Buffer.byteLength(topic) + encoded.payload.byteLength;
  if (encoded.contentType !== undefined) bytes += 3 + Buffer.byteLength(encoded.contentType);
  for (const key of Object.keys(encoded.userProperties)) {
    bytes += 5 + Buffer.byteLength(key) + Buffer.byteLength(encoded.userProperties[key]!);
  }
  return bytes;
}

/** TLS 1.3 only, the server certificate always verified; client certificate when configured. */
function tlsOptions(config: MqttBrokerConfig): { ca?: Buffer; cert?: Buffer; key?: Buffer; minVersion: "TLSv1.3"; rejectUnauthorized: true } {
  return {
    ca: config.caFile === undefined ? undefined : readConfigFile(config.caFile, "caFile"),
    cert: config.clientCertFile === undefined ? undefined : readConfigFile(config.clientCertFile, "clientCertFile"),
    key: config.clientKeyFile === undefined ? undefined : readConfigFile(config.clientKeyFile, "clientKeyFile"),
    minVersion: "TLSv1.3",
    rejectUnauthorized: true,
  };
}

/**
 * mqtt.js options for Maestro's CONNECT: MQTT v5, clean start, keepalive, credentials, TLS 1.3.
 * We own resubscription (`resubscribe: false`) so onConnect fires only once SUBACKs are back.
 */
function clientOptions(config: MqttBrokerConfig, clientId: string, reconnectPeriodMs: number): IClientOptions {
  const options: IClientOptions & Pick<ConnectionOptions, "minVersion"> = {
    protocol: usesTls(config) ? "mqtts" : "mqtt",
    host: config.host,
    port: config.port,
    protocolVersion: 5,
    clientId,
    clean: true,
    keepalive: config.keepAliveSeconds,
    username: config.username,
    password: config.password,
    reconnectPeriod: reconnectPeriodMs,
    reconnectOnConnackError: true,
    connectTimeout: config.dialTimeoutMs,
    resubscribe: false,
    queueQoSZero: false,
    properties: { maximumPacketSize: mqttReceivePacketBytesMax },
    ...(usesTls(config) ? tlsOptions(config) : {}),
  };
  return options;
}

/**
 * One MQTT connection carrying CloudEvents. Publishes wait in a bounded queue while the broker is
 * unreachable and go out, at most a window at a time, once connected and resubscribed.
 * Example: `const c = await MqttCloudEventClient.connect(config, "maestro"); c.onEvent((t, e) => …); await c.subscribe([config.topics.agentEvents]);`
 */
export class MqttCloudEventClient {
  readonly #client: MqttClient;
  readonly #config: MqttBrokerConfig;
  readonly #handlers: MqttClientHandlers;
  readonly #publishes: PublishQueue;
  readonly #topics = new Set<string>();
  #eventHandler: EventHandler | undefined;
  #malformedHandler: MalformedHandler | undefined;
  #ready = false;
  #closed = false;
  #everConnected = false;
  #errorReported = false;
  /** Bumped on every connect and close, so work started for one connection can tell it is stale. */
  #generation = 0;
  #readyWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  #first: { resolve: () => void; reject: (err: Error) => void; timer: ReturnType<typeof setTimeout> } | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(client: MqttClient, config: MqttBrokerConfig, handlers: MqttClientHandlers, options: MqttClientOptions) {
    this.#client = client;
    this.#config = config;
    this.#handlers = handlers;
    this.#publishes = new PublishQueue(this.#publishTransport(), {
      timeoutMs: options.publishTimeoutMs ?? mqttPublishTimeoutMs,
      packetBytesMax: options.publishBytesMax ?? mqttPacketBytesMax,
      queueMax: options.publishQueueMax ?? mqttPublishQueueMax,
      queueBytesMax: options.publishQueueBytesMax ?? mqttPublishQueueBytesMax,
      inflightMax: options.publishInflightMax ?? mqttPublishInflightMax,
    });
    client.on("connect", () => this.#onConnect());
    client.on("close", () => this.#onClose());
    client.on("error", (err) => this.#onError(err));
    client.on("message", (topic, payload, packet) => this.#onMessage(topic, payload, packet));
  }

  /**
   * Connects; resolves after the first CONNACK (and onConnect(false)). Rejects with
   * MqttTransportError("ConnectFailed") on the first error, close or dialTimeout before that.
   * Example: `await MqttCloudEventClient.connect(config, "cluster1-work-agent-client", { onConnect: (again) => again && resync() })`.
   */
  static async connect(config: MqttBrokerConfig, clientId: string, handlers: MqttClientHandlers = {}, options: MqttClientOptions = {}): Promise<MqttCloudEventClient> {
    assert(clientId !== "", "an MQTT client id is required");
    const reconnectPeriodMs = options.reconnectPeriodMs ?? Math.round(mqttReconnectPeriodMs * (1 + Math.random() * mqttReconnectJitter));
    const wrapper = new MqttCloudEventClient(mqttConnect(clientOptions(config, clientId, reconnectPeriodMs)), config, handlers, options);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => wrapper.#failFirst(new Error(`no CONNACK within ${config.dialTimeoutMs} ms`)), config.dialTimeoutMs);
      wrapper.#first = { resolve, reject, timer };
    });
    return wrapper;
  }

  /** True while connected with every subscription in place. */
  get connected(): boolean {
    return this.#ready;
  }

  /** The publish queue's current size. */
  get stats(): MqttPublishStats {
    return this.#publishes.stats;
  }

  /** Sets the handler of decoded events (one handler; a later call replaces it). */
  onEvent(handler: EventHandler): void {
    this.#eventHandler = handler;
  }

  /** Sets the handler of messages that failed to decode; they are dropped after it runs. */
  onMalformed(handler: MalformedHandler): void {
    this.#malformedHandler = handler;
  }

  /**
   * Subscribes (QoS `subQoS`) and keeps the topics across reconnects. Resolves on SUBACK, or when
   * the next connection has subscribed them if the broker is unreachable now; a refusal rejects
   * with MqttTransportError("SubscribeRefused") and forgets those topics.
   * Example: `await client.subscribe(["sources/maestro/consumers/+/agentevents"])`.
   */
  async subscribe(topics: readonly string[]): Promise<void> {
    if (this.#closed) throw mqttClosedError();
    for (const topic of topics) assert(topic !== "", "a topic filter must not be empty");
    const fresh = [...new Set(topics)].filter((t) => !this.#topics.has(t));
    for (const topic of fresh) this.#topics.add(topic);
    if (!this.#ready) return this.#whenReady();
    if (fresh.length === 0) return;
    try {
      await this.#subscribePackets(fresh);
    } catch (err) {
      if (this.#closed) throw mqttClosedError();
      if (!this.#ready) return this.#whenReady(); // the connection dropped; the reconnect subscribes them
      for (const topic of fresh) this.#topics.delete(topic);
      throw err;
    }
  }

  /**
   * Publishes one event (QoS `pubQoS`) in binary mode; resolves on PUBACK. Waits through an
   * outage in a bounded queue; rejects with MqttTransportError PublishTooLarge, PublishQueueFull,
   * PublishTimeout (not acknowledged in time), PublishRefused (a PUBACK reason code), Closed.
   * An event the binding cannot encode rejects with its MaestroError(BadRequest).
   * Example: `await client.publish(consumerTopic(topics.sourceEvents, "cluster1"), specEvent)`.
   */
  publish(topic: string, event: CloudEvent): Promise<void> {
    assert(topic !== "" && !topic.includes("+") && !topic.includes("#"), "a publish topic has no wildcards");
    if (this.#closed) return Promise.reject(mqttClosedError());
    let encoded: EncodedMqttEventMessage;
    try {
      encoded = encodeMqttMessage(event);
    } catch (err) {
      return Promise.reject(err);
    }
    const payload = Buffer.from(encoded.payload.buffer, encoded.payload.byteOffset, encoded.payload.byteLength);
    const userProperties = { ...encoded.userProperties };
    const properties = encoded.contentType === undefined ? { userProperties } : { contentType: encoded.contentType, userProperties };
    return this.#publishes.push({ topic, payload, properties, bytes: publishPacketBytes(topic, encoded) });
  }

  /**
   * Closes the connection (DISCONNECT when connected); pending publishes and subscribes reject
   * with Closed. Idempotent.
   * Example: `await client.close()`.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#ready = false;
    this.#generation++;
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    if (this.#first !== undefined) clearTimeout(this.#first.timer);
    this.#publishes.close();
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(mqttClosedError());
    await this.#end();
  }

  /** The queue's view of the connection: mqtt.js publish, packet ids, and removal from its store. */
  #publishTransport(): PublishTransport {
    return {
      canSend: () => this.#ready,
      connectionLive: () => this.#client.connected,
      receiveMaximum: () => this.#client.serverProperties?.receiveMaximum,
      send: (request: PublishRequest, done: PublishDone): number | undefined => {
        this.#client.publish(request.topic, request.payload, { qos: this.#config.pubQoS, properties: request.properties }, done);
        const messageId = this.#client.getLastMessageId();
        return this.#client.outgoing[messageId]?.cb === done ? messageId : undefined;
      },
      drop: (messageId: number | undefined, done: PublishDone): void => {
        const outgoing = this.#client.outgoing;
        // Handed over during store replay, the id is unknown: find it by its callback.
        const id = messageId ?? Number(Object.keys(outgoing).find((key) => outgoing[Number(key)]?.cb === done));
        if (outgoing[id] !== undefined) this.#client.removeOutgoingMessage(id);
      },
    };
  }

  async #end(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), mqttCloseTimeoutMs);
    });
    const ended = this.#client.endAsync(!this.#client.connected).then(
      () => false,
      () => false,
    );
    const forced = await Promise.race([ended, timedOut]);
    clearTimeout(timer);
    if (forced) await this.#client.endAsync(true).catch(() => undefined); // best effort: the socket is destroyed either way
  }

  #failFirst(cause: Error): void {
    const first = this.#first;
    if (first === undefined) return;
    this.#first = undefined;
    clearTimeout(first.timer);
    first.reject(new MqttTransportError("ConnectFailed", `cannot connect to MQTT broker ${this.#config.brokerHost}: ${cause.message}`, { cause, reasonCode: mqttReasonCode(cause) }));
    // Nothing was handed out yet, so closing here cannot strand a caller.
    this.close().catch((err: unknown) => this.#report(err));
  }

  #onConnect(): void {
    if (this.#closed) return;
    const generation = ++this.#generation;
    // #restore handles its own failures; the catch only guards a bug in a handler wrapper.
    this.#restore(generation).catch((err: unknown) => this.#report(err));
  }

  /** Re-subscribes every topic on a fresh connection, then declares it ready. */
  async #restore(generation: number): Promise<void> {
    try {
      if (this.#topics.size > 0) await this.#subscribePackets([...this.#topics]);
    } catch (err) {
      if (generation !== this.#generation || this.#closed) return; // that connection is gone; the next one retries
      this.#report(err);
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = undefined;
        if (generation === this.#generation && !this.#closed) this.#restore(generation).catch((e: unknown) => this.#report(e));
      }, mqttResubscribeRetryMs);
      return;
    }
    if (generation !== this.#generation || this.#closed || !this.#client.connected) return;
    const reconnected = this.#everConnected;
    this.#ready = true;
    this.#everConnected = true;
    this.#errorReported = false;
    if (this.#first !== undefined) {
      clearTimeout(this.#first.timer);
      this.#first.resolve();
      this.#first = undefined;
    }
    for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve();
    this.#safely(() => this.#handlers.onConnect?.(reconnected));
    this.#publishes.pump();
  }

  #onClose(): void {
    this.#generation++;
    this.#publishes.connectionLost();
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    if (this.#first !== undefined) {
      this.#failFirst(new Error("the connection closed before CONNACK"));
      return;
    }
    if (!this.#ready) return;
    this.#ready = false;
    if (!this.#closed) this.#safely(() => this.#handlers.onDisconnect?.());
  }

  #onError(err: Error): void {
    if (this.#closed) return;
    if (this.#first !== undefined) {
      this.#failFirst(err);
      return;
    }
    if (!this.#ready) {
      if (this.#errorReported) return; // one report per outage: reconnect attempts repeat the same error
      this.#errorReported = true;
    }
    this.#report(err);
  }

  #onMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    if (this.#closed) return;
    let event: CloudEvent;
    try {
      // Copy the payload: mqtt.js hands a view into its socket read chunk, and an event kept for
      // long (a work's spec) would otherwise pin the whole chunk in memory.
      const data = new Uint8Array(payload);
      event = decodeMqttMessage({ payload: data, contentType: packet.properties?.contentType, userProperties: packet.properties?.userProperties });
    } catch (err) {
      const error = toMaestroError(err);
      this.#safely(() => this.#malformedHandler?.(topic, error));
      return;
    }
    this.#safely(() => this.#eventHandler?.(topic, event));
  }

  async #subscribePackets(topics: readonly string[]): Promise<void> {
    const map: ISubscriptionMap = {};
    for (const topic of topics) map[topic] = { qos: this.#config.subQoS };
    let granted: { topic: string; qos: number }[];
    try {
      granted = await this.#client.subscribeAsync(map);
    } catch (err) {
      throw new MqttTransportError("SubscribeRefused", `subscribe ${topics.join(", ")}: ${(err as Error).message}`, { cause: err, reasonCode: mqttReasonCode(err) });
    }
    const refused = granted.find((g) => (g.qos & 0x80) !== 0);
    if (refused !== undefined) {
      throw new MqttTransportError("SubscribeRefused", `the broker refused the subscription to ${refused.topic}`, { reasonCode: refused.qos });
    }
  }

  #whenReady(): Promise<void> {
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  #safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#report(err);
    }
  }

  #report(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    try {
      this.#handlers.onError?.(error);
    } catch {
      // A throwing error handler has nowhere left to report to; the connection must go on.
    }
  }
}
