export { type DecodedInferRequest, decodeInferRequest } from './oip-request.js'
export { type EncodedInferResponse, encodeInferResponse } from './oip-response.js'
