/** POST /uploads over real HTTP, the way a client (curl --data-binary) would. */
export interface UploadResponse {
  status: number;
  body: { id?: string; filename?: string; contentType?: string; size?: number; sha256?: string; expiresAt?: string; error?: string; message?: string };
}

export async function upload(baseUrl: string, token: string | null, filename: string | null, content: Buffer | string): Promise<UploadResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const query = filename === null ? '' : `?filename=${encodeURIComponent(filename)}`;
  const response = await fetch(`${baseUrl}/uploads${query}`, { method: 'POST', headers, body: typeof content === 'string' ? content : new Uint8Array(content) });
  return { status: response.status, body: (await response.json()) as UploadResponse['body'] };
}
