// libcurl, loaded when first used. The binaries that may talk HTTP(S) (the
// mailcow collector and Dovecot's OpenMetrics page in tern-mail, the site
// probes of tern-dnscheck, Loki for tern-shipper) link against these
// definitions of the libcurl functions they call instead of libcurl.so.4, and
// each one opens libcurl.so.4 with dlopen the first time it is called. An
// exporter whose HTTP features are off never maps libcurl and the ~30
// libraries it pulls in (libssl, gnutls, krb5, ldap, ssh2...): 4.5-6 MiB
// resident that tern-mail and tern-dnscheck otherwise carry for nothing.
//
// The functions keep libcurl's names and signatures (curl/curl.h), so the
// callers are plain libcurl code. The executable does not export them (no
// shared library it links refers to them), so libcurl's own calls stay
// inside libcurl. When libcurl.so.4 cannot be loaded, curl_easy_init() and
// curl_url() return NULL and curl_global_init() fails: the callers already
// treat that as a start-up error, and curl_easy_strerror() says why.

#define CURL_DISABLE_TYPECHECK  // the type-checking macros would rename these definitions
#include <curl/curl.h>
#include <dlfcn.h>

#include <cstdarg>
#include <mutex>
#include <string>

namespace {

struct Curl {
  void* library = nullptr;
  std::string error;
  CURLcode (*global_init)(long) = nullptr;
  CURL* (*easy_init)() = nullptr;
  void (*easy_cleanup)(CURL*) = nullptr;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
  CURLcode (*easy_perform)(CURL*) = nullptr;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
  const char* (*easy_strerror)(CURLcode) = nullptr;
  curl_slist* (*slist_append)(curl_slist*, const char*) = nullptr;
  void (*slist_free_all)(curl_slist*) = nullptr;
  void (*free)(void*) = nullptr;
  CURLU* (*url)() = nullptr;
  void (*url_cleanup)(CURLU*) = nullptr;
  CURLUcode (*url_get)(CURLU*, CURLUPart, char**, unsigned int) = nullptr;
  CURLUcode (*url_set)(CURLU*, CURLUPart, const char*, unsigned int) = nullptr;
};

template <typename Function>
bool bind(Curl& curl, Function& function, const char* name) {
  function = reinterpret_cast<Function>(dlsym(curl.library, name));
  if (!function && curl.error.empty()) curl.error = std::string("libcurl.so.4 lacks ") + name;
  return function != nullptr;
}

const Curl& curl() {
  static Curl loaded;
  static std::once_flag once;
  std::call_once(once, [] {
    Curl c;
    c.library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!c.library) {
      const char* why = dlerror();
      c.error = std::string("cannot load libcurl.so.4 (install libcurl4): ") + (why ? why : "?");
      loaded = c;
      return;
    }
    bool ok = bind(c, c.global_init, "curl_global_init") & bind(c, c.easy_init, "curl_easy_init") &
              bind(c, c.easy_cleanup, "curl_easy_cleanup") &
              bind(c, c.easy_setopt, "curl_easy_setopt") &
              bind(c, c.easy_perform, "curl_easy_perform") &
              bind(c, c.easy_getinfo, "curl_easy_getinfo") &
              bind(c, c.easy_strerror, "curl_easy_strerror") &
              bind(c, c.slist_append, "curl_slist_append") &
              bind(c, c.slist_free_all, "curl_slist_free_all") & bind(c, c.free, "curl_free") &
              bind(c, c.url, "curl_url") & bind(c, c.url_cleanup, "curl_url_cleanup") &
              bind(c, c.url_get, "curl_url_get") & bind(c, c.url_set, "curl_url_set");
    if (!ok) {
      dlclose(c.library);
      Curl failed;
      failed.error = c.error;
      loaded = failed;
      return;
    }
    loaded = c;
  });
  return loaded;
}

}  // namespace

extern "C" {

CURLcode curl_global_init(long flags) {
  const Curl& c = curl();
  return c.global_init ? c.global_init(flags) : CURLE_FAILED_INIT;
}

CURL* curl_easy_init() {
  const Curl& c = curl();
  return c.easy_init ? c.easy_init() : nullptr;
}

void curl_easy_cleanup(CURL* handle) {
  if (handle) curl().easy_cleanup(handle);
}

// The option's number says the argument's type, as in libcurl itself.
CURLcode curl_easy_setopt(CURL* handle, CURLoption option, ...) {
  const Curl& c = curl();
  if (!c.easy_setopt || !handle) return CURLE_FAILED_INIT;
  va_list args;
  va_start(args, option);
  CURLcode result;
  if (option < CURLOPTTYPE_OBJECTPOINT) {
    result = c.easy_setopt(handle, option, va_arg(args, long));
  } else if (option < CURLOPTTYPE_FUNCTIONPOINT) {
    result = c.easy_setopt(handle, option, va_arg(args, void*));
  } else if (option < CURLOPTTYPE_OFF_T) {
    // Function pointers travel like data pointers on every ABI libcurl supports.
    result = c.easy_setopt(handle, option, va_arg(args, void*));
  } else if (option < CURLOPTTYPE_BLOB) {
    result = c.easy_setopt(handle, option, va_arg(args, curl_off_t));
  } else {
    result = c.easy_setopt(handle, option, va_arg(args, void*));
  }
  va_end(args);
  return result;
}

CURLcode curl_easy_perform(CURL* handle) {
  const Curl& c = curl();
  return c.easy_perform && handle ? c.easy_perform(handle) : CURLE_FAILED_INIT;
}

// Every CURLINFO takes a pointer to where the answer goes.
CURLcode curl_easy_getinfo(CURL* handle, CURLINFO info, ...) {
  const Curl& c = curl();
  if (!c.easy_getinfo || !handle) return CURLE_FAILED_INIT;
  va_list args;
  va_start(args, info);
  void* out = va_arg(args, void*);
  va_end(args);
  return c.easy_getinfo(handle, info, out);
}

const char* curl_easy_strerror(CURLcode code) {
  const Curl& c = curl();
  return c.easy_strerror ? c.easy_strerror(code) : c.error.c_str();
}

curl_slist* curl_slist_append(curl_slist* list, const char* text) {
  const Curl& c = curl();
  return c.slist_append ? c.slist_append(list, text) : nullptr;
}

void curl_slist_free_all(curl_slist* list) {
  if (list) curl().slist_free_all(list);
}

void curl_free(void* pointer) {
  if (pointer) curl().free(pointer);
}

CURLU* curl_url() {
  const Curl& c = curl();
  return c.url ? c.url() : nullptr;
}

void curl_url_cleanup(CURLU* url) {
  if (url) curl().url_cleanup(url);
}

CURLUcode curl_url_get(CURLU* url, CURLUPart part, char** out, unsigned int flags) {
  const Curl& c = curl();
  return c.url_get && url ? c.url_get(url, part, out, flags) : CURLUE_OUT_OF_MEMORY;
}

CURLUcode curl_url_set(CURLU* url, CURLUPart part, const char* content, unsigned int flags) {
  const Curl& c = curl();
  return c.url_set && url ? c.url_set(url, part, content, flags) : CURLUE_OUT_OF_MEMORY;
}

}  // extern "C"
