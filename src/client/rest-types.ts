// The JSON shapes of Maestro's REST API as the client reads them: the one definition in
// src/api/rest-model.ts, re-exported so client users need one import path.

export type {
  Consumer,
  ConsumerCreateRequest,
  ConsumerList,
  ConsumerPatchRequest,
  List,
  ListParams,
  ResourceBundle,
  ResourceBundleList,
  ResourceBundleStatus,
} from "../api/rest-model.ts";
