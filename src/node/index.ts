/**
 * The server client: request signing and a typed client of the REST API, for the merchant's
 * Node backend.
 */
export { sign, authorizationHeader, isValidSignature } from './sign';
export { createRejoinerClient, RejoinerApiError } from './client';
export type { EventExport, RejoinerClient, RejoinerClientOptions } from './client';
export type {
  CartDataInput,
  CartItemInput,
  CustomerConvertInput,
  CustomerConvertResult,
  CustomerFields,
  CustomerJson,
  ExportOptions,
  LeadConvertInput,
} from './types';
