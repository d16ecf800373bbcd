#include "logline/partial.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using logline::DockerLine;
using logline::JoinedLine;
using logline::PartialJoiner;

namespace {
DockerLine chunk(std::string log, std::string stream, std::int64_t time, bool partial) {
  return DockerLine{std::move(log), std::move(stream), time, partial};
}

struct Collect {
  std::vector<JoinedLine>* out;
  void operator()(JoinedLine&& line) const { out->push_back(std::move(line)); }
};
}  // namespace

TEST_CASE("partial joiner: whole lines pass straight through") {
  PartialJoiner joiner;
  std::vector<JoinedLine> out;
  joiner.add(chunk("one", "stdout", 1, false), 10, Collect{&out});
  joiner.add(chunk("two", "stderr", 2, false), 20, Collect{&out});
  REQUIRE(out.size() == 2);
  CHECK(out[0].log == "one");
  CHECK(out[0].stream == "stdout");
  CHECK(out[0].cookie == 10);
  CHECK(out[1].log == "two");
  CHECK(out[1].time_ns == 2);
  CHECK(joiner.empty());
}

TEST_CASE("partial joiner: a three-chunk line keeps the first time and the last cookie") {
  PartialJoiner joiner;
  std::vector<JoinedLine> out;
  joiner.add(chunk("aaa", "stdout", 100, true), 1, Collect{&out});
  joiner.add(chunk("bbb", "stdout", 200, true), 2, Collect{&out});
  CHECK(out.empty());
  CHECK(joiner.heldBytes() == 6);
  CHECK_FALSE(joiner.empty());
  joiner.add(chunk("ccc", "stdout", 300, false), 3, Collect{&out});
  REQUIRE(out.size() == 1);
  CHECK(out[0].log == "aaabbbccc");
  CHECK(out[0].time_ns == 100);
  CHECK(out[0].cookie == 3);
  CHECK_FALSE(out[0].truncated);
  CHECK(joiner.empty());
  CHECK(joiner.truncatedLines() == 0);
}

TEST_CASE("partial joiner: stdout and stderr interleave independently") {
  PartialJoiner joiner;
  std::vector<JoinedLine> out;
  joiner.add(chunk("o1-", "stdout", 1, true), 1, Collect{&out});
  joiner.add(chunk("e1-", "stderr", 2, true), 2, Collect{&out});
  joiner.add(chunk("o2", "stdout", 3, false), 3, Collect{&out});
  joiner.add(chunk("whole", "stdout", 4, false), 4, Collect{&out});
  joiner.add(chunk("e2", "stderr", 5, false), 5, Collect{&out});
  REQUIRE(out.size() == 3);
  CHECK(out[0].log == "o1-o2");
  CHECK(out[0].stream == "stdout");
  CHECK(out[0].time_ns == 1);
  CHECK(out[1].log == "whole");
  CHECK(out[2].log == "e1-e2");
  CHECK(out[2].stream == "stderr");
  CHECK(out[2].time_ns == 2);
  CHECK(out[2].cookie == 5);
}

TEST_CASE("partial joiner: the size bound cuts and counts, memory stays bounded") {
  PartialJoiner joiner(10);
  std::vector<JoinedLine> out;
  joiner.add(chunk("0123456", "stdout", 1, true), 1, Collect{&out});
  CHECK(out.empty());
  joiner.add(chunk("789abcd", "stdout", 2, true), 2, Collect{&out});
  REQUIRE(out.size() == 1);
  CHECK(out[0].log == "0123456789");
  CHECK(out[0].truncated);
  CHECK(out[0].time_ns == 1);
  CHECK(joiner.heldBytes() == 4);  // "abcd", started afresh with chunk 2's time
  joiner.add(chunk("ef\n", "stdout", 3, false), 3, Collect{&out});
  REQUIRE(out.size() == 2);
  CHECK(out[1].log == "abcdef\n");
  CHECK(out[1].time_ns == 2);
  CHECK_FALSE(out[1].truncated);
  CHECK(joiner.truncatedLines() == 1);

  // Exactly at the bound while still partial: cut at once.
  out.clear();
  joiner.add(chunk("0123456789", "stderr", 4, true), 4, Collect{&out});
  REQUIRE(out.size() == 1);
  CHECK(out[0].truncated);
  CHECK(joiner.empty());

  // One oversized whole line is cut into pieces of the bound.
  out.clear();
  joiner.add(chunk(std::string(25, 'x'), "stdout", 5, false), 5, Collect{&out});
  REQUIRE(out.size() == 3);
  CHECK(out[0].log.size() == 10);
  CHECK(out[1].log.size() == 10);
  CHECK(out[2].log.size() == 5);
  CHECK(out[0].truncated);
  CHECK(out[1].truncated);
  CHECK_FALSE(out[2].truncated);
  CHECK(joiner.truncatedLines() == 4);
}

TEST_CASE("partial joiner: drain emits what is held") {
  PartialJoiner joiner;
  std::vector<JoinedLine> out;
  joiner.add(chunk("half", "stdout", 1, true), 7, Collect{&out});
  joiner.drain(Collect{&out});
  REQUIRE(out.size() == 1);
  CHECK(out[0].log == "half");
  CHECK(out[0].cookie == 7);
  CHECK(joiner.empty());
  joiner.drain(Collect{&out});
  CHECK(out.size() == 1);
}

TEST_CASE("partial joiner: at most kMaxStreams streams are held") {
  PartialJoiner joiner(100);
  std::vector<JoinedLine> out;
  for (std::size_t i = 0; i < PartialJoiner::kMaxStreams; ++i) {
    joiner.add(chunk("held", std::string(1, static_cast<char>('a' + i)), 1, true), i,
               Collect{&out});
  }
  CHECK(out.empty());
  CHECK(joiner.heldBytes() == 4 * PartialJoiner::kMaxStreams);
  joiner.add(chunk("new", "another", 2, true), 99, Collect{&out});
  CHECK(out.size() == PartialJoiner::kMaxStreams);
  CHECK(joiner.heldBytes() == 3);
}
