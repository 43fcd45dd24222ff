// A client-only app: the API is the server, so nothing is rendered or prerendered at build time.
export const ssr = false;
export const prerender = false;
