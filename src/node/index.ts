/**
 * The server client: request signing and a typed client of both REST generations (REST 1.0 and
 * Rejoiner2 v1/v2), for the merchant's Node backend.
 */
export { sign, authorizationHeader, isValidSignature } from './sign';
export { createRejoinerClient, RejoinerApiError, RejoinerUnsupportedError } from './client';
export type { EventExport, Rejoiner2Client, RejoinerClient, Rest1Client, Rest1OnlyMethod } from './client';
export type {
  AddedListContact,
  BearerAuth,
  CartDataInput,
  CartItemInput,
  ContactAddInput,
  CustomerConvertInput,
  CustomerConvertResult,
  CustomerFields,
  CustomerJson,
  ExportOptions,
  ExtraFields,
  IterateOptions,
  JourneyWebhookInput,
  LeadConvertInput,
  LeadOptInInput,
  ListContact,
  ListContactInput,
  MailingList,
  Page,
  PageOptions,
  PingResult,
  PreferenceTagsJson,
  RejoinerApi,
  RejoinerAuth,
  RejoinerClientOptions,
  SessionAnnotationInput,
  SessionJson,
  SignedAuth,
  TagOptions,
  TagsJson,
} from './types';
