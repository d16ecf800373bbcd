#include "haproxy/metrics.h"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace haproxy {
namespace {

using runtime::Labels;
using runtime::MetricFamily;
using runtime::MetricType;

enum class Scale { none, millis, status };

// One column of the CSV as one family of the exporter naming. `field` is the
// column's documented position (what --haproxy.server-metric-fields lists).
struct ExporterEntry {
  int field;
  std::string_view column;
  std::string_view name;  // after haproxy_<frontend|backend|server>_
  std::string_view help;
  MetricType type;
  Scale scale = Scale::none;
  std::string_view code = {};  // the code label of http_responses_total
};

constexpr MetricType kGauge = MetricType::Gauge;
constexpr MetricType kCounter = MetricType::Counter;

constexpr std::string_view kResponsesHelp = "Total of HTTP responses.";
#define HTTP_RESPONSES(first)                                                                        \
  {first, "hrsp_1xx", "http_responses_total", kResponsesHelp, kCounter, Scale::none, "1xx"},         \
      {first + 1, "hrsp_2xx", "http_responses_total", kResponsesHelp, kCounter, Scale::none, "2xx"}, \
      {first + 2, "hrsp_3xx", "http_responses_total", kResponsesHelp, kCounter, Scale::none, "3xx"}, \
      {first + 3, "hrsp_4xx", "http_responses_total", kResponsesHelp, kCounter, Scale::none, "4xx"}, \
      {first + 4, "hrsp_5xx", "http_responses_total", kResponsesHelp, kCounter, Scale::none, "5xx"}, \
  {                                                                                                  \
    first + 5, "hrsp_other", "http_responses_total", kResponsesHelp, kCounter, Scale::none,          \
        "other"                                                                                      \
  }

// haproxy_exporter 0.14's frontend, backend and server families (learned
// from its output against HAProxy 2.6: names, HELP, types, labels).
const ExporterEntry kFrontend[] = {
    {4, "scur", "current_sessions", "Current number of active sessions.", kGauge},
    {5, "smax", "max_sessions", "Maximum observed number of active sessions.", kGauge},
    {6, "slim", "limit_sessions", "Configured session limit.", kGauge},
    {7, "stot", "sessions_total", "Total number of sessions.", kCounter},
    {8, "bin", "bytes_in_total", "Current total of incoming bytes.", kCounter},
    {9, "bout", "bytes_out_total", "Current total of outgoing bytes.", kCounter},
    {10, "dreq", "requests_denied_total", "Total of requests denied for security.", kCounter},
    {12, "ereq", "request_errors_total", "Total of request errors.", kCounter},
    {33, "rate", "current_session_rate",
     "Current number of sessions per second over last elapsed second.", kGauge},
    {34, "rate_lim", "limit_session_rate", "Configured limit on new sessions per second.", kGauge},
    {35, "rate_max", "max_session_rate", "Maximum observed number of sessions per second.", kGauge},
    HTTP_RESPONSES(39),
    {48, "req_tot", "http_requests_total", "Total HTTP requests.", kCounter},
    {51, "comp_in", "compressor_bytes_in_total",
     "Number of HTTP response bytes fed to the compressor", kCounter},
    {52, "comp_out", "compressor_bytes_out_total",
     "Number of HTTP response bytes emitted by the compressor", kCounter},
    {53, "comp_byp", "compressor_bytes_bypassed_total",
     "Number of bytes that bypassed the HTTP compressor", kCounter},
    {54, "comp_rsp", "http_responses_compressed_total",
     "Number of HTTP responses that were compressed", kCounter},
    {79, "conn_tot", "connections_total", "Total number of connections", kCounter},
};

const ExporterEntry kBackend[] = {
    {2, "qcur", "current_queue", "Current number of queued requests not assigned to any server.",
     kGauge},
    {3, "qmax", "max_queue",
     "Maximum observed number of queued requests not assigned to any server.", kGauge},
    {4, "scur", "current_sessions", "Current number of active sessions.", kGauge},
    {5, "smax", "max_sessions", "Maximum observed number of active sessions.", kGauge},
    {6, "slim", "limit_sessions", "Configured session limit.", kGauge},
    {7, "stot", "sessions_total", "Total number of sessions.", kCounter},
    {8, "bin", "bytes_in_total", "Current total of incoming bytes.", kCounter},
    {9, "bout", "bytes_out_total", "Current total of outgoing bytes.", kCounter},
    {13, "econ", "connection_errors_total", "Total of connection errors.", kCounter},
    {14, "eresp", "response_errors_total", "Total of response errors.", kCounter},
    {15, "wretr", "retry_warnings_total", "Total of retry warnings.", kCounter},
    {16, "wredis", "redispatch_warnings_total", "Total of redispatch warnings.", kCounter},
    {17, "status", "up", "Current health status of the backend (1 = UP, 0 = DOWN).", kGauge,
     Scale::status},
    {18, "weight", "weight", "Total weight of the servers in the backend.", kGauge},
    {19, "act", "current_server", "Current number of active servers", kGauge},
    {30, "lbtot", "server_selected_total",
     "Total number of times a server was selected, either for new sessions, or when "
     "re-dispatching.",
     kCounter},
    {33, "rate", "current_session_rate",
     "Current number of sessions per second over last elapsed second.", kGauge},
    {35, "rate_max", "max_session_rate", "Maximum number of sessions per second.", kGauge},
    HTTP_RESPONSES(39),
    {49, "cli_abrt", "client_aborts_total", "Total number of data transfers aborted by the client.",
     kCounter},
    {50, "srv_abrt", "server_aborts_total", "Total number of data transfers aborted by the server.",
     kCounter},
    {51, "comp_in", "compressor_bytes_in_total",
     "Number of HTTP response bytes fed to the compressor", kCounter},
    {52, "comp_out", "compressor_bytes_out_total",
     "Number of HTTP response bytes emitted by the compressor", kCounter},
    {53, "comp_byp", "compressor_bytes_bypassed_total",
     "Number of bytes that bypassed the HTTP compressor", kCounter},
    {54, "comp_rsp", "http_responses_compressed_total",
     "Number of HTTP responses that were compressed", kCounter},
    {58, "qtime", "http_queue_time_average_seconds",
     "Avg. HTTP queue time for last 1024 successful connections.", kGauge, Scale::millis},
    {59, "ctime", "http_connect_time_average_seconds",
     "Avg. HTTP connect time for last 1024 successful connections.", kGauge, Scale::millis},
    {60, "rtime", "http_response_time_average_seconds",
     "Avg. HTTP response time for last 1024 successful connections.", kGauge, Scale::millis},
    {61, "ttime", "http_total_time_average_seconds",
     "Avg. HTTP total time for last 1024 successful connections.", kGauge, Scale::millis},
};

const ExporterEntry kServer[] = {
    {2, "qcur", "current_queue", "Current number of queued requests assigned to this server.",
     kGauge},
    {3, "qmax", "max_queue", "Maximum observed number of queued requests assigned to this server.",
     kGauge},
    {4, "scur", "current_sessions", "Current number of active sessions.", kGauge},
    {5, "smax", "max_sessions", "Maximum observed number of active sessions.", kGauge},
    {6, "slim", "limit_sessions", "Configured session limit.", kGauge},
    {7, "stot", "sessions_total", "Total number of sessions.", kCounter},
    {8, "bin", "bytes_in_total", "Current total of incoming bytes.", kCounter},
    {9, "bout", "bytes_out_total", "Current total of outgoing bytes.", kCounter},
    {13, "econ", "connection_errors_total", "Total of connection errors.", kCounter},
    {14, "eresp", "response_errors_total", "Total of response errors.", kCounter},
    {15, "wretr", "retry_warnings_total", "Total of retry warnings.", kCounter},
    {16, "wredis", "redispatch_warnings_total", "Total of redispatch warnings.", kCounter},
    {17, "status", "up", "Current health status of the server (1 = UP, 0 = DOWN).", kGauge,
     Scale::status},
    {18, "weight", "weight", "Current weight of the server.", kGauge},
    {21, "chkfail", "check_failures_total", "Total number of failed health checks.", kCounter},
    {24, "downtime", "downtime_seconds_total", "Total downtime in seconds.", kCounter},
    {30, "lbtot", "server_selected_total",
     "Total number of times a server was selected, either for new sessions, or when "
     "re-dispatching.",
     kCounter},
    {33, "rate", "current_session_rate",
     "Current number of sessions per second over last elapsed second.", kGauge},
    {35, "rate_max", "max_session_rate", "Maximum observed number of sessions per second.", kGauge},
    {38, "check_duration", "check_duration_seconds",
     "Previously run health check duration, in seconds", kGauge, Scale::millis},
    HTTP_RESPONSES(39),
    {49, "cli_abrt", "client_aborts_total", "Total number of data transfers aborted by the client.",
     kCounter},
    {50, "srv_abrt", "server_aborts_total", "Total number of data transfers aborted by the server.",
     kCounter},
    {58, "qtime", "http_queue_time_average_seconds",
     "Avg. HTTP queue time for last 1024 successful connections.", kGauge, Scale::millis},
    {59, "ctime", "http_connect_time_average_seconds",
     "Avg. HTTP connect time for last 1024 successful connections.", kGauge, Scale::millis},
    {60, "rtime", "http_response_time_average_seconds",
     "Avg. HTTP response time for last 1024 successful connections.", kGauge, Scale::millis},
    {61, "ttime", "http_total_time_average_seconds",
     "Avg. HTTP total time for last 1024 successful connections.", kGauge, Scale::millis},
};
#undef HTTP_RESPONSES

// The built-in exporter's (promex) families that are one CSV column each;
// status, check status and the HTTP responses by code are handled apart.
constexpr unsigned kF = 1, kB = 2, kS = 4;
struct PromexEntry {
  std::string_view name;  // after haproxy_<frontend|backend|server>_
  std::string_view column;
  unsigned objects;  // kF | kB | kS
  MetricType type;
  Scale scale;
  bool nan_when_empty;  // an unset limit: HAProxy prints NaN
  std::string_view help;
};

const PromexEntry kPromex[] = {
    {"current_sessions", "scur", kF | kB | kS, MetricType::Gauge, Scale::none, false,
     "Number of current sessions on the frontend, backend or server"},
    {"max_sessions", "smax", kF | kB | kS, MetricType::Gauge, Scale::none, false,
     "Highest value of current sessions encountered since process started"},
    {"limit_sessions", "slim", kF | kB | kS, MetricType::Gauge, Scale::none, true,
     "Frontend/listener/server's maxconn, backend's fullconn"},
    {"sessions_total", "stot", kF | kB | kS, MetricType::Counter, Scale::none, false,
     "Total number of sessions since process started"},
    {"bytes_in_total", "bin", kF | kB | kS, MetricType::Counter, Scale::none, false,
     "Total number of request bytes since process started"},
    {"bytes_out_total", "bout", kF | kB | kS, MetricType::Counter, Scale::none, false,
     "Total number of response bytes since process started"},
    {"requests_denied_total", "dreq", kF | kB, MetricType::Counter, Scale::none, false,
     "Total number of denied requests since process started"},
    {"responses_denied_total", "dresp", kF | kB | kS, MetricType::Counter, Scale::none, false,
     "Total number of denied responses since process started"},
    {"request_errors_total", "ereq", kF, MetricType::Counter, Scale::none, false,
     "Total number of invalid requests since process started"},
    {"limit_session_rate", "rate_lim", kF, MetricType::Gauge, Scale::none, false,
     "Limit on the number of sessions accepted in a second (frontend only, 'rate-limit sessions' "
     "setting)"},
    {"max_session_rate", "rate_max", kF | kB | kS, MetricType::Gauge, Scale::none, false,
     "Highest value of sessions per second observed since the worker process started"},
    {"http_requests_rate_max", "req_rate_max", kF, MetricType::Gauge, Scale::none, false,
     "Highest value of http requests observed since the worker process started"},
    {"http_requests_total", "req_tot", kF | kB, MetricType::Counter, Scale::none, false,
     "Total number of HTTP requests processed by this object since the worker process started"},
    {"http_comp_bytes_in_total", "comp_in", kF | kB, MetricType::Counter, Scale::none, false,
     "Total number of bytes submitted to the HTTP compressor for this object since the worker "
     "process started"},
    {"http_comp_bytes_out_total", "comp_out", kF | kB, MetricType::Counter, Scale::none, false,
     "Total number of bytes emitted by the HTTP compressor for this object since the worker "
     "process started"},
    {"http_comp_bytes_bypassed_total", "comp_byp", kF | kB, MetricType::Counter, Scale::none, false,
     "Total number of bytes that bypassed HTTP compression for this object since the worker "
     "process started (CPU/memory/bandwidth limitation)"},
    {"http_comp_responses_total", "comp_rsp", kF | kB, MetricType::Counter, Scale::none, false,
     "Total number of HTTP responses that were compressed for this object since the worker process "
     "started"},
    {"connections_rate_max", "conn_rate_max", kF, MetricType::Gauge, Scale::none, false,
     "Highest value of connections per second observed since the worker process started"},
    {"connections_total", "conn_tot", kF, MetricType::Counter, Scale::none, false,
     "Total number of new connections accepted on this frontend since the worker process started"},
    {"intercepted_requests_total", "intercepted", kF, MetricType::Counter, Scale::none, false,
     "Total number of HTTP requests intercepted on the frontend (redirects/stats/services) since "
     "the worker process started"},
    {"denied_connections_total", "dcon", kF, MetricType::Counter, Scale::none, false,
     "Total number of incoming connections blocked on a listener/frontend by a tcp-request "
     "connection rule since the worker process started"},
    {"denied_sessions_total", "dses", kF, MetricType::Counter, Scale::none, false,
     "Total number of incoming sessions blocked on a listener/frontend by a tcp-request connection "
     "rule since the worker process started"},
    {"failed_header_rewriting_total", "wrew", kF | kB | kS, MetricType::Counter, Scale::none, false,
     "Total number of failed HTTP header rewrites since the worker process started"},
    {"http_cache_lookups_total", "cache_lookups", kF | kB, MetricType::Counter, Scale::none, false,
     "Total number of HTTP requests looked up in the cache on this frontend/backend since the "
     "worker process started"},
    {"http_cache_hits_total", "cache_hits", kF | kB, MetricType::Counter, Scale::none, false,
     "Total number of HTTP requests not found in the cache on this frontend/backend since the "
     "worker process started"},
    {"internal_errors_total", "eint", kF | kB | kS, MetricType::Counter, Scale::none, false,
     "Total number of internal errors since process started"},
    {"current_queue", "qcur", kB | kS, MetricType::Gauge, Scale::none, false,
     "Number of current queued connections"},
    {"max_queue", "qmax", kB | kS, MetricType::Gauge, Scale::none, false,
     "Highest value of queued connections encountered since process started"},
    {"connection_errors_total", "econ", kB | kS, MetricType::Counter, Scale::none, false,
     "Total number of failed connections to server since the worker process started"},
    {"response_errors_total", "eresp", kB | kS, MetricType::Counter, Scale::none, false,
     "Total number of invalid responses since the worker process started"},
    {"retry_warnings_total", "wretr", kB | kS, MetricType::Counter, Scale::none, false,
     "Total number of server connection retries since the worker process started"},
    {"redispatch_warnings_total", "wredis", kB | kS, MetricType::Counter, Scale::none, false,
     "Total number of server redispatches due to connection failures since the worker process "
     "started"},
    {"weight", "weight", kB | kS, MetricType::Gauge, Scale::none, false,
     "Server's effective weight, or sum of active servers' effective weights for a backend"},
    {"active_servers", "act", kB, MetricType::Gauge, Scale::none, false,
     "Total number of active UP servers with a non-zero weight"},
    {"backup_servers", "bck", kB, MetricType::Gauge, Scale::none, false,
     "Total number of backup UP servers with a non-zero weight"},
    {"check_up_down_total", "chkdown", kB | kS, MetricType::Counter, Scale::none, false,
     "Total number of failed checks causing UP to DOWN server transitions, per server/backend, "
     "since the worker process started"},
    {"check_last_change_seconds", "lastchg", kB | kS, MetricType::Gauge, Scale::none, false,
     "How long ago the last server state changed, in seconds"},
    {"downtime_seconds_total", "downtime", kB | kS, MetricType::Counter, Scale::none, false,
     "Total time spent in DOWN state, for server or backend"},
    {"loadbalanced_total", "lbtot", kB | kS, MetricType::Counter, Scale::none, false,
     "Total number of requests routed by load balancing since the worker process started (ignores "
     "queue pop and stickiness)"},
    {"client_aborts_total", "cli_abrt", kB | kS, MetricType::Counter, Scale::none, false,
     "Total number of requests or connections aborted by the client since the worker process "
     "started"},
    {"server_aborts_total", "srv_abrt", kB | kS, MetricType::Counter, Scale::none, false,
     "Total number of requests or connections aborted by the server since the worker process "
     "started"},
    {"last_session_seconds", "lastsess", kB | kS, MetricType::Gauge, Scale::none, false,
     "How long ago some traffic was seen on this object on this worker process, in seconds"},
    {"queue_time_average_seconds", "qtime", kB | kS, MetricType::Gauge, Scale::millis, false,
     "Avg. queue time for last 1024 successful connections."},
    {"connect_time_average_seconds", "ctime", kB | kS, MetricType::Gauge, Scale::millis, false,
     "Avg. connect time for last 1024 successful connections."},
    {"response_time_average_seconds", "rtime", kB | kS, MetricType::Gauge, Scale::millis, false,
     "Avg. response time for last 1024 successful connections."},
    {"total_time_average_seconds", "ttime", kB | kS, MetricType::Gauge, Scale::millis, false,
     "Avg. total time for last 1024 successful connections."},
    {"connection_attempts_total", "connect", kB | kS, MetricType::Counter, Scale::none, false,
     "Total number of outgoing connection attempts on this backend/server since the worker process "
     "started"},
    {"connection_reuses_total", "reuse", kB | kS, MetricType::Counter, Scale::none, false,
     "Total number of reused connection on this backend/server since the worker process started"},
    {"max_queue_time_seconds", "qtime_max", kB | kS, MetricType::Gauge, Scale::millis, false,
     "Maximum observed time spent in the queue"},
    {"max_connect_time_seconds", "ctime_max", kB | kS, MetricType::Gauge, Scale::millis, false,
     "Maximum observed time spent waiting for a connection to complete"},
    {"max_response_time_seconds", "rtime_max", kB | kS, MetricType::Gauge, Scale::millis, false,
     "Maximum observed time spent waiting for a server response"},
    {"max_total_time_seconds", "ttime_max", kB | kS, MetricType::Gauge, Scale::millis, false,
     "Maximum observed total request+response time (request+queue+connect+response+processing)"},
    {"uweight", "uweight", kB | kS, MetricType::Gauge, Scale::none, false,
     "Server's user weight, or sum of active servers' user weights for a backend"},
    {"check_failures_total", "chkfail", kS, MetricType::Counter, Scale::none, false,
     "Total number of failed individual health checks per server/backend, since the worker process "
     "started"},
    {"queue_limit", "qlimit", kS, MetricType::Gauge, Scale::none, true,
     "Limit on the number of connections in queue, for servers only (maxqueue argument)"},
    {"current_throttle", "throttle", kS, MetricType::Gauge, Scale::none, true,
     "Throttling ratio applied to a server's maxconn and weight during the slowstart period (0 to "
     "100%)"},
    {"check_code", "check_code", kS, MetricType::Gauge, Scale::none, false,
     "layer5-7 code, if available of the last health check."},
    {"check_duration_seconds", "check_duration", kS, MetricType::Gauge, Scale::millis, false,
     "Total duration of the latest server health check, in seconds."},
    {"idle_connections_current", "srv_icur", kS, MetricType::Gauge, Scale::none, false,
     "Current number of idle connections available for reuse on this server"},
    {"idle_connections_limit", "src_ilim", kS, MetricType::Gauge, Scale::none, true,
     "Limit on the number of available idle connections on this server (server 'pool_max_conn' "
     "directive)"},
    {"unsafe_idle_connections_current", "idle_conn_cur", kS, MetricType::Gauge, Scale::none, false,
     "Current number of unsafe idle connections"},
    {"safe_idle_connections_current", "safe_conn_cur", kS, MetricType::Gauge, Scale::none, false,
     "Current number of safe idle connections"},
    {"used_connections_current", "used_conn_cur", kS, MetricType::Gauge, Scale::none, false,
     "Current number of connections in use"},
    {"need_connections_current", "need_conn_est", kS, MetricType::Gauge, Scale::none, false,
     "Estimated needed number of connections"},
};

struct ProcessEntry {
  std::string_view info_name;  // `show info` name
  std::string_view name;       // after haproxy_process_
  MetricType type;
  std::string_view help;
};

// `show info` as the built-in exporter names its process families.
const ProcessEntry kProcess[] = {
    {"Nbthread", "nbthread", MetricType::Gauge, "Number of started threads (global.nbthread)"},
    {"Nbproc", "nbproc", MetricType::Gauge,
     "Number of started worker processes (historical, always 1)"},
    {"Process_num", "relative_process_id", MetricType::Gauge, "Relative worker process number (1)"},
    {"Uptime_sec", "uptime_seconds", MetricType::Gauge,
     "How long ago this worker process was started (seconds)"},
    {"PoolFailed", "pool_failures_total", MetricType::Counter,
     "Number of failed pool allocations since this worker was started"},
    {"Ulimit-n", "max_fds", MetricType::Gauge,
     "Hard limit on the number of per-process file descriptors"},
    {"Maxsock", "max_sockets", MetricType::Gauge,
     "Hard limit on the number of per-process sockets"},
    {"Maxconn", "max_connections", MetricType::Gauge,
     "Hard limit on the number of per-process connections (configured or imposed by Ulimit-n)"},
    {"Hard_maxconn", "hard_max_connections", MetricType::Gauge,
     "Hard limit on the number of per-process connections (imposed by Memmax_MB or Ulimit-n)"},
    {"CurrConns", "current_connections", MetricType::Gauge,
     "Current number of connections on this worker process"},
    {"CumConns", "connections_total", MetricType::Counter,
     "Total number of connections on this worker process since started"},
    {"CumReq", "requests_total", MetricType::Counter,
     "Total number of requests on this worker process since started"},
    {"MaxSslConns", "max_ssl_connections", MetricType::Gauge,
     "Hard limit on the number of per-process SSL endpoints (front+back), 0=unlimited"},
    {"CurrSslConns", "current_ssl_connections", MetricType::Gauge,
     "Current number of SSL endpoints on this worker process (front+back)"},
    {"CumSslConns", "ssl_connections_total", MetricType::Counter,
     "Total number of SSL endpoints on this worker process since started (front+back)"},
    {"Maxpipes", "max_pipes", MetricType::Gauge,
     "Hard limit on the number of pipes for splicing, 0=unlimited"},
    {"PipesUsed", "pipes_used_total", MetricType::Counter,
     "Current number of pipes in use in this worker process"},
    {"PipesFree", "pipes_free_total", MetricType::Counter,
     "Current number of allocated and available pipes in this worker process"},
    {"ConnRate", "current_connection_rate", MetricType::Gauge,
     "Number of front connections created on this worker process over the last second"},
    {"ConnRateLimit", "limit_connection_rate", MetricType::Gauge,
     "Hard limit for ConnRate (global.maxconnrate)"},
    {"MaxConnRate", "max_connection_rate", MetricType::Gauge,
     "Highest ConnRate reached on this worker process since started (in connections per second)"},
    {"SessRate", "current_session_rate", MetricType::Gauge,
     "Number of sessions created on this worker process over the last second"},
    {"SessRateLimit", "limit_session_rate", MetricType::Gauge,
     "Hard limit for SessRate (global.maxsessrate)"},
    {"MaxSessRate", "max_session_rate", MetricType::Gauge,
     "Highest SessRate reached on this worker process since started (in sessions per second)"},
    {"SslRate", "current_ssl_rate", MetricType::Gauge,
     "Number of SSL connections created on this worker process over the last second"},
    {"SslRateLimit", "limit_ssl_rate", MetricType::Gauge,
     "Hard limit for SslRate (global.maxsslrate)"},
    {"MaxSslRate", "max_ssl_rate", MetricType::Gauge,
     "Highest SslRate reached on this worker process since started (in connections per second)"},
    {"SslFrontendKeyRate", "current_frontend_ssl_key_rate", MetricType::Gauge,
     "Number of SSL keys created on frontends in this worker process over the last second"},
    {"SslFrontendMaxKeyRate", "max_frontend_ssl_key_rate", MetricType::Gauge,
     "Highest SslFrontendKeyRate reached on this worker process since started (in SSL keys per "
     "second)"},
    {"SslFrontendSessionReuse_pct", "frontend_ssl_reuse", MetricType::Gauge,
     "Percent of frontend SSL connections which did not require a new key"},
    {"SslBackendKeyRate", "current_backend_ssl_key_rate", MetricType::Gauge,
     "Number of SSL keys created on backends in this worker process over the last second"},
    {"SslBackendMaxKeyRate", "max_backend_ssl_key_rate", MetricType::Gauge,
     "Highest SslBackendKeyRate reached on this worker process since started (in SSL keys per "
     "second)"},
    {"SslCacheLookups", "ssl_cache_lookups_total", MetricType::Counter,
     "Total number of SSL session ID lookups in the SSL session cache on this worker since "
     "started"},
    {"SslCacheMisses", "ssl_cache_misses_total", MetricType::Counter,
     "Total number of SSL session ID lookups that didn't find a session in the SSL session cache "
     "on this worker since started"},
    {"CompressBpsIn", "http_comp_bytes_in_total", MetricType::Counter,
     "Number of bytes submitted to the HTTP compressor in this worker process over the last "
     "second"},
    {"CompressBpsOut", "http_comp_bytes_out_total", MetricType::Counter,
     "Number of bytes emitted by the HTTP compressor in this worker process over the last second"},
    {"CompressBpsRateLim", "limit_http_comp", MetricType::Gauge,
     "Limit of CompressBpsOut beyond which HTTP compression is automatically disabled"},
    {"ZlibMemUsage", "current_zlib_memory", MetricType::Gauge,
     "Amount of memory currently used by HTTP compression on the current worker process (in "
     "bytes)"},
    {"MaxZlibMemUsage", "max_zlib_memory", MetricType::Gauge,
     "Limit on the amount of memory used by HTTP compression above which it is automatically "
     "disabled (in bytes, see global.maxzlibmem)"},
    {"Tasks", "current_tasks", MetricType::Gauge,
     "Total number of tasks in the current worker process (active + sleeping)"},
    {"Run_queue", "current_run_queue", MetricType::Gauge,
     "Total number of active tasks+tasklets in the current worker process"},
    {"Idle_pct", "idle_time_percent", MetricType::Gauge,
     "Percentage of last second spent waiting in the current worker thread"},
    {"Stopping", "stopping", MetricType::Gauge,
     "1 if the worker process is currently stopping, otherwise zero"},
    {"Jobs", "jobs", MetricType::Gauge,
     "Current number of active jobs on the current worker process (frontend connections, master "
     "connections, listeners)"},
    {"Unstoppable Jobs", "unstoppable_jobs", MetricType::Gauge,
     "Current number of unstoppable jobs on the current worker process (master connections)"},
    {"Listeners", "listeners", MetricType::Gauge,
     "Current number of active listeners on the current worker process"},
    {"ActivePeers", "active_peers", MetricType::Gauge,
     "Current number of verified active peers connections on the current worker process"},
    {"ConnectedPeers", "connected_peers", MetricType::Gauge,
     "Current number of peers having passed the connection step on the current worker process"},
    {"DroppedLogs", "dropped_logs_total", MetricType::Counter,
     "Total number of dropped logs for current worker process since started"},
    {"BusyPolling", "busy_polling_enabled", MetricType::Gauge,
     "1 if busy-polling is currently in use on the worker process, otherwise zero "
     "(config.busy-polling)"},
    {"FailedResolutions", "failed_resolutions", MetricType::Counter,
     "Total number of failed DNS resolutions in current worker process since started"},
    {"TotalBytesOut", "bytes_out_total", MetricType::Counter,
     "Total number of bytes emitted by current worker process since started"},
    {"TotalSplicdedBytesOut", "spliced_bytes_out_total", MetricType::Counter,
     "Total number of bytes emitted by current worker process through a kernel pipe since started"},
    {"BytesOutRate", "bytes_out_rate", MetricType::Gauge,
     "Number of bytes emitted by current worker process over the last second"},
    {"CumRecvLogs", "recv_logs_total", MetricType::Counter,
     "Total number of log messages received by log-forwarding listeners on this worker process "
     "since started"},
    {"Memmax_bytes", "max_memory_bytes", MetricType::Gauge,
     "Worker process's hard limit on memory usage in byes (-m on command line)"},
    {"PoolAlloc_bytes", "pool_allocated_bytes", MetricType::Gauge,
     "Amount of memory allocated in pools (in bytes)"},
    {"PoolUsed_bytes", "pool_used_bytes", MetricType::Gauge,
     "Amount of pool memory currently used (in bytes)"},
    {"Start_time_sec", "start_time_seconds", MetricType::Gauge, "Start time in seconds"},
};

// The names the pid-file process collector emits under haproxy_process_.
constexpr std::string_view kPidProcessNames[] = {"max_fds", "start_time_seconds"};

constexpr std::string_view kServerStates[] = {"DOWN", "UP", "MAINT", "DRAIN", "NOLB"};
constexpr std::string_view kProxyStates[] = {"DOWN", "UP"};
constexpr std::string_view kCheckStates[] = {
    "HANA",   "SOCKERR", "L4OK", "L4TOUT", "L4CON", "L6OK",    "L6TOUT",   "L6RSP",
    "L7TOUT", "L7RSP",   "L7OK", "L7OKC",  "L7STS", "PROCERR", "PROCTOUT", "PROCOK"};
constexpr std::string_view kCodes[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};
constexpr std::string_view kCodeColumns[] = {"hrsp_1xx", "hrsp_2xx", "hrsp_3xx",
                                             "hrsp_4xx", "hrsp_5xx", "hrsp_other"};

bool parseNumber(std::string_view text, double& value) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && ptr == end;
}

std::string prefixFor(ObjectType type) {
  switch (type) {
    case ObjectType::frontend:
      return "haproxy_frontend_";
    case ObjectType::backend:
      return "haproxy_backend_";
    default:
      return "haproxy_server_";
  }
}

// A family resolved against this table's header: where its value is and
// which family it goes to.
struct Resolved {
  int column;
  MetricFamily* family;
  Scale scale;
  std::string_view code;
  bool nan_when_empty = false;
};

// Rows of each object type, to size the families' sample vectors once.
std::array<std::size_t, 4> rowsByType(const StatTable& table) {
  std::array<std::size_t, 4> counts{};
  for (const StatRow& row : table.rows) ++counts[static_cast<int>(row.type)];
  return counts;
}

// Several entries may share a family (the HTTP responses by code): each adds
// its rows to the room made before any sample is added.
void reserveSamples(const std::vector<Resolved>& entries, std::size_t rows) {
  for (const Resolved& r : entries) r.family->metric.reserve(r.family->metric.capacity() + rows);
}

MetricFamily* familyFor(std::vector<std::pair<std::string, MetricFamily*>>& made,
                        runtime::MetricSink& sink, std::string name, std::string_view help,
                        MetricType type) {
  for (auto& [made_name, family] : made) {
    if (made_name == name) return family;
  }
  MetricFamily* family = &sink.family(name, std::string(help), type);
  made.emplace_back(std::move(name), family);
  return family;
}

template <std::size_t N>
std::vector<Resolved> resolveExporter(const ExporterEntry (&entries)[N], ObjectType type,
                                      const StatTable& table, const std::set<int>* selected,
                                      runtime::MetricSink& sink) {
  std::vector<Resolved> out;
  std::vector<std::pair<std::string, MetricFamily*>> made;
  const std::string prefix = prefixFor(type);
  for (const ExporterEntry& entry : entries) {
    if (selected != nullptr && !selected->count(entry.field)) continue;
    int column = table.column(entry.column);
    if (column < 0) continue;  // an older HAProxy without this column
    MetricFamily* family =
        familyFor(made, sink, prefix + std::string(entry.name), entry.help, entry.type);
    out.push_back(Resolved{column, family, entry.scale, entry.code});
  }
  return out;
}

// Label sets, in haproxy_exporter's (sorted) order.
Labels exporterLabels(ObjectType type, const StatRow& row, std::string_view code) {
  Labels labels;
  labels.reserve(3);
  if (type == ObjectType::frontend) {
    if (!code.empty()) labels.push_back({"code", std::string(code)});
    labels.push_back({"frontend", std::string(row.fields[0])});
  } else if (type == ObjectType::backend) {
    labels.push_back({"backend", std::string(row.fields[0])});
    if (!code.empty()) labels.push_back({"code", std::string(code)});
  } else {
    labels.push_back({"backend", std::string(row.fields[0])});
    if (!code.empty()) labels.push_back({"code", std::string(code)});
    labels.push_back({"server", std::string(row.fields[1])});
  }
  return labels;
}

// Writes one value of a row; false when the field is not a number.
bool emitValue(const Resolved& r, const StatRow& row, Labels labels) {
  std::string_view text = StatTable::field(row, r.column);
  double value = 0;
  if (text.empty()) {
    if (!r.nan_when_empty) return true;  // not applicable to this object: no sample
    runtime::addSample(*r.family, std::numeric_limits<double>::quiet_NaN(), std::move(labels));
    return true;
  }
  if (r.scale == Scale::status) {
    value = upValue(text);
  } else {
    if (!parseNumber(text, value)) return false;
    if (r.scale == Scale::millis) value /= 1000;
  }
  runtime::addSample(*r.family, value, std::move(labels));
  return true;
}

std::size_t emitExporter(const StatTable& table, const MetricOptions& options,
                         runtime::MetricSink& sink) {
  auto frontend = resolveExporter(kFrontend, ObjectType::frontend, table, nullptr, sink);
  auto backend = resolveExporter(kBackend, ObjectType::backend, table, nullptr, sink);
  auto server =
      resolveExporter(kServer, ObjectType::server, table, &options.server_metric_fields, sink);
  const auto rows = rowsByType(table);
  reserveSamples(frontend, rows[static_cast<int>(ObjectType::frontend)]);
  reserveSamples(backend, rows[static_cast<int>(ObjectType::backend)]);
  reserveSamples(server, rows[static_cast<int>(ObjectType::server)]);
  const int status_column = table.column("status");
  std::size_t failures = 0;
  for (const StatRow& row : table.rows) {
    const std::vector<Resolved>* entries = nullptr;
    switch (row.type) {
      case ObjectType::frontend:
        entries = &frontend;
        break;
      case ObjectType::backend:
        entries = &backend;
        break;
      case ObjectType::server:
        if (!options.server_exclude_states.empty() &&
            options.server_exclude_states.count(StatTable::field(row, status_column)))
          continue;
        entries = &server;
        break;
      case ObjectType::listener:
        continue;
    }
    for (const Resolved& r : *entries) {
      if (!emitValue(r, row, exporterLabels(row.type, row, r.code))) ++failures;
    }
  }
  return failures;
}

Labels promexLabels(ObjectType type, const StatRow& row) {
  Labels labels;
  labels.reserve(3);  // room for a state or code label
  labels.push_back({"proxy", std::string(row.fields[0])});
  if (type == ObjectType::server) labels.push_back({"server", std::string(row.fields[1])});
  return labels;
}

Labels withLabel(const Labels& base, const char* name, std::string_view value) {
  Labels labels;
  labels.reserve(base.size() + 1);
  labels = base;
  labels.push_back({name, std::string(value)});
  return labels;
}

// The built-in exporter's state for a status column value.
std::string_view promexState(ObjectType type, std::string_view status) {
  if (type != ObjectType::server) {
    return status == "UP" || status == "OPEN" ? "UP" : "DOWN";
  }
  if (status.starts_with("MAINT")) return "MAINT";
  if (status == "DRAIN") return "DRAIN";
  if (status == "NOLB") return "NOLB";
  if (status.starts_with("UP") || status == "no check") return "UP";
  return "DOWN";
}

struct PromexObject {
  ObjectType type;
  std::vector<Resolved> entries;
  MetricFamily* status = nullptr;
  MetricFamily* check_status = nullptr;
  MetricFamily* responses = nullptr;
  int code_columns[6] = {-1, -1, -1, -1, -1, -1};
};

PromexObject resolvePromex(ObjectType type, const StatTable& table, runtime::MetricSink& sink) {
  PromexObject object{type, {}};
  const unsigned bit = type == ObjectType::frontend ? kF : type == ObjectType::backend ? kB : kS;
  const std::string prefix = prefixFor(type);
  // In the built-in exporter's order: status and responses by code where it has them.
  for (const PromexEntry& entry : kPromex) {
    if (!(entry.objects & bit)) continue;
    int column = table.column(entry.column);
    if (column < 0) continue;
    MetricFamily* family =
        &sink.family(prefix + std::string(entry.name), std::string(entry.help), entry.type);
    object.entries.push_back(Resolved{column, family, entry.scale, {}, entry.nan_when_empty});
  }
  object.status =
      &sink.gauge(prefix + "status", "Current status of the service, per state label value.");
  if (type == ObjectType::server)
    object.check_status =
        &sink.gauge(prefix + "check_status", "Status of last health check, per state label value.");
  object.responses = &sink.counter(prefix + "http_responses_total",
                                   "Total number of HTTP responses with status 100-199 returned "
                                   "by this object since the worker process started");
  for (int i = 0; i < 6; ++i) object.code_columns[i] = table.column(kCodeColumns[i]);
  return object;
}

std::size_t emitPromex(const StatTable& table, const MetricOptions& options,
                       runtime::MetricSink& sink) {
  PromexObject objects[] = {resolvePromex(ObjectType::frontend, table, sink),
                            resolvePromex(ObjectType::backend, table, sink),
                            resolvePromex(ObjectType::server, table, sink)};
  const auto rows = rowsByType(table);
  for (PromexObject& object : objects) {
    std::size_t count = rows[static_cast<int>(object.type)];
    reserveSamples(object.entries, count);
    object.status->metric.reserve(count * std::size(kServerStates));
    if (object.check_status != nullptr)
      object.check_status->metric.reserve(count * std::size(kCheckStates));
    object.responses->metric.reserve(count * std::size(kCodes));
  }
  const int status_column = table.column("status");
  const int check_status_column = table.column("check_status");
  std::size_t failures = 0;
  for (const StatRow& row : table.rows) {
    if (row.type == ObjectType::listener) continue;
    std::string_view status = StatTable::field(row, status_column);
    if (row.type == ObjectType::server && !options.server_exclude_states.empty() &&
        options.server_exclude_states.count(status))
      continue;
    const PromexObject& object = objects[static_cast<int>(row.type)];
    const Labels labels = promexLabels(row.type, row);
    for (const Resolved& r : object.entries) {
      if (!emitValue(r, row, labels)) ++failures;
    }
    if (!status.empty()) {
      std::string_view state = promexState(row.type, status);
      if (row.type == ObjectType::server) {
        for (std::string_view s : kServerStates)
          runtime::addSample(*object.status, s == state ? 1 : 0, withLabel(labels, "state", s));
      } else {
        for (std::string_view s : kProxyStates)
          runtime::addSample(*object.status, s == state ? 1 : 0, withLabel(labels, "state", s));
      }
    }
    if (object.check_status != nullptr) {
      std::string_view check = StatTable::field(row, check_status_column);
      if (check.starts_with("* ")) check.remove_prefix(2);  // a check in progress
      if (!check.empty()) {
        for (std::string_view s : kCheckStates)
          runtime::addSample(*object.check_status, s == check ? 1 : 0,
                             withLabel(labels, "state", s));
      }
    }
    for (int i = 0; i < 6; ++i) {
      std::string_view text = StatTable::field(row, object.code_columns[i]);
      if (text.empty()) continue;
      double value = 0;
      if (!parseNumber(text, value)) {
        ++failures;
        continue;
      }
      runtime::addSample(*object.responses, value, withLabel(labels, "code", kCodes[i]));
    }
  }
  return failures;
}

}  // namespace

double upValue(std::string_view status) {
  if (status.starts_with("UP")) return 1;
  return status == "OPEN" || status == "no check" || status == "DRAIN" ? 1 : 0;
}

std::set<int> parseFieldList(const std::string& text) {
  std::set<int> fields;
  std::string_view rest = text;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    int value = 0;
    auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (ec != std::errc() || ptr != item.data() + item.size())
      throw std::invalid_argument("invalid server metric field number: " + std::string(item));
    fields.insert(value);
  }
  return fields;
}

std::set<std::string, std::less<>> parseStateList(const std::string& text) {
  std::set<std::string, std::less<>> states;
  std::string_view rest = text;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (!item.empty()) states.emplace(item);
  }
  return states;
}

std::vector<int> selectableServerFields() {
  std::vector<int> fields;
  for (const ExporterEntry& entry : kServer) {
    if (fields.empty() || fields.back() != entry.field) fields.push_back(entry.field);
  }
  return fields;
}

std::size_t emitStats(const StatTable& table, const MetricOptions& options,
                      runtime::MetricSink& sink) {
  return options.naming == Naming::exporter ? emitExporter(table, options, sink)
                                            : emitPromex(table, options, sink);
}

void emitInfo(const ShowInfo& info, const MetricOptions& options, runtime::MetricSink& sink) {
  std::string_view version = info.get("Version");
  if (options.naming == Naming::exporter && !version.empty()) {
    sink.gauge("haproxy_version_info", "HAProxy version info.", 1,
               {{"release_date", std::string(info.get("Release_date"))},
                {"version", std::string(version)}});
  }
  for (const ProcessEntry& entry : kProcess) {
    if (options.process_metrics_from_pid) {
      bool clash = false;
      for (std::string_view name : kPidProcessNames) clash = clash || name == entry.name;
      if (clash) continue;
    }
    double value = 0;
    if (!parseNumber(info.get(entry.info_name), value)) continue;
    auto& family = sink.family("haproxy_process_" + std::string(entry.name),
                               std::string(entry.help), entry.type);
    runtime::addSample(family, value);
  }
  std::string_view build = info.get("Build info");
  if (build.empty()) build = version;
  if (!build.empty())
    sink.gauge("haproxy_process_build_info", "Build info", 1, {{"version", std::string(build)}});
}

}  // namespace haproxy
