#include "alerts/rate_limit.h"

#include <doctest/doctest.h>

TEST_CASE("alerts: a token bucket allows its burst, then one per interval") {
  alerts::TokenBucket bucket({3, std::chrono::minutes(10)}, 0);
  CHECK(bucket.take(0));
  CHECK(bucket.take(0));
  CHECK(bucket.take(0));
  CHECK_FALSE(bucket.take(0));
  CHECK_FALSE(bucket.take(9 * 60000));
  CHECK(bucket.take(10 * 60000));
  CHECK_FALSE(bucket.take(10 * 60000));
  CHECK(bucket.full(1000 * 60000));  // refills up to the burst, no further
  alerts::TokenBucket unlimited({0, std::chrono::milliseconds(0)}, 0);
  for (int i = 0; i < 100; ++i) CHECK(unlimited.take(0));
}

TEST_CASE("alerts: a flapping alert is held to its own limit, others still page") {
  alerts::RateLimiter limiter({2, std::chrono::minutes(30)}, {5, std::chrono::minutes(10)});
  int paged = 0;
  for (int flap = 0; flap < 100; ++flap) paged += limiter.allow("flapper", flap * 1000);
  CHECK(paged == 2);
  CHECK(limiter.allow("other", 100000));
  CHECK(limiter.allow("third", 100000));
  CHECK(limiter.allow("fourth", 100000));          // 5 global tokens: 2 + 3
  CHECK_FALSE(limiter.allow("fifth", 100000));     // the global bucket is empty
  CHECK(limiter.allow("fifth", 100000 + 600000));  // a global token back 10 minutes later
  // Refused pages take no token: the flapper pages again 30 minutes after its last.
  CHECK(limiter.allow("flapper", 1 * 1000 + 30 * 60000 + 60000));
}
