export {
  GRPC_INFERENCE_SERVICE,
  GRPC_MAX_MESSAGE_BYTES,
  type GrpcServerOptions,
  INFERENCE_PROTO_PATH,
  type RunningGrpcServer,
  startGrpcServer,
} from './grpc-server.js'
export { GRPC_STATUS } from './grpc-status.js'
