export { api, onUnauthorized, readCookie, type Schemas } from './client';
export { ApiError, call, type FieldError } from './errors';
