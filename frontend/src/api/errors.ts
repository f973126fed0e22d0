// Errors as the API sends them: {"error", "detail", "field"?} or, for 422, {"error", "detail", "fields": [...]}.

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly field?: string;
  readonly fields: FieldError[];

  constructor(status: number, body: unknown) {
    const obj = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const code = typeof obj.error === 'string' ? obj.error : status === 0 ? 'network_error' : `http_${status}`;
    const detail = typeof obj.detail === 'string' ? obj.detail : '';
    super(detail || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.detail = detail;
    if (typeof obj.field === 'string') this.field = obj.field;
    const fields: unknown[] = Array.isArray(obj.fields) ? (obj.fields as unknown[]) : [];
    this.fields = fields.filter((f): f is FieldError => {
      const e = f as Partial<Record<keyof FieldError, unknown>> | null;
      return typeof e === 'object' && e !== null && typeof e.field === 'string' && typeof e.message === 'string';
    });
  }

  /** Every field this error is about, with its message (422 fields, or the single `field` with the detail). */
  fieldErrors(): FieldError[] {
    if (this.fields.length) return this.fields;
    if (this.field) return [{ field: this.field, message: this.detail }];
    return [];
  }
}

interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Awaits an openapi-fetch call and returns its data, or throws an ApiError carrying the server's sentence. */
export async function call<T>(request: Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await request;
  } catch (cause) {
    throw new ApiError(0, { error: 'network_error', detail: cause instanceof Error ? cause.message : '' });
  }
  if (!result.response.ok) throw new ApiError(result.response.status, result.error);
  return result.data as T;
}
