// Channel credentials for gRPC clients from sdk-go-style settings: insecure, TLS with an
// optional client certificate, and a bearer token sent as `authorization` metadata (TLS only).

import * as grpc from "@grpc/grpc-js";

/** TLS and token settings; all optional (none = plaintext). */
export interface ClientCredentialSettings {
  readonly caPem?: Buffer;
  readonly clientCertPem?: Buffer;
  readonly clientKeyPem?: Buffer;
  readonly token?: string;
}

/**
 * grpc-js credentials for the settings. A token without TLS is refused, as sdk-go refuses it.
 * Example: `channelCredentials({ caPem, token })`.
 */
export function channelCredentials(settings: ClientCredentialSettings): grpc.ChannelCredentials {
  if (!settings.caPem) {
    if (settings.token) throw new Error("a bearer token needs TLS (a CA certificate)");
    return grpc.credentials.createInsecure();
  }
  const ssl = grpc.credentials.createSsl(settings.caPem, settings.clientKeyPem ?? null, settings.clientCertPem ?? null);
  if (!settings.token) return ssl;
  const bearer = `Bearer ${settings.token}`;
  const perCall = grpc.credentials.createFromMetadataGenerator((_params, callback) => {
    const md = new grpc.Metadata();
    md.set("authorization", bearer);
    callback(null, md);
  });
  return grpc.credentials.combineChannelCredentials(ssl, perCall);
}
