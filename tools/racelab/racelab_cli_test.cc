// End-to-end tests of the `racelab` binary: output, exit codes and the JSON
// file, run as a user would run it (a child process per invocation).
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/model/build_info.h"
#include "harness/model/finding.h"
#include "harness/process/child_process.h"
#include "tools/testing/invocation.h"
#include "tools/testing/scratch_dir.h"

namespace racelab {
namespace {

using ::testing::HasSubstr;

Invocation Racelab(std::vector<std::string> args) {
  args.insert(args.begin(), RACELAB_BINARY);
  return Invoke(std::move(args));
}

std::string TempDir() { return NewScratchDir("racelab_cli_test"); }

TEST(RacelabCliTest, ListShowsEveryPatternWithExpectations) {
  Invocation list = Racelab({"list"});
  EXPECT_EQ(list.exit_code, 0);
  for (const char* id :
       {"counter/racy", "counter/locked", "counter/atomic", "fake_database/racy",
        "fake_database/locked", "abba_deadlock/racy", "abba_deadlock/ordered", "lock_pipeline/racy",
        "lock_pipeline/semaphore", "lock_pipeline/condition"}) {
    EXPECT_THAT(list.output, HasSubstr(id));
  }
  EXPECT_THAT(list.output, HasSubstr("data-race,invariant (tsan,oracle?)"));
}

TEST(RacelabCliTest, RunWritesTheTableAndTheJsonReport) {
  const std::string json_path = TempDir() + "/nested/report.json";
  Invocation run =
      Racelab({"run", "--filter", "counter/atomic", "--repeat", "2", "--json", json_path});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("counter/atomic"));
  EXPECT_THAT(run.output, HasSubstr("\n1 passed, 0 failed\n"));

  std::ifstream in(json_path);
  ASSERT_TRUE(in.good()) << json_path;
  const nlohmann::json report = nlohmann::json::parse(in);
  EXPECT_EQ(report["schema"], "racelab-report/1");
  ASSERT_EQ(report["results"].size(), 1u);
  EXPECT_EQ(report["results"][0]["verdict"], "clean");
  EXPECT_EQ(report["results"][0]["runs"], 2);
  EXPECT_EQ(report["summary"]["as_expected"], 1);
}

// --seed perturbs every run with that seed; --perturb draws one per run;
// both show in the JSON report, and list names the cases always perturbed.
TEST(RacelabCliTest, SeedsAreReportedPerRunAndASeedGivenIsUsedInEveryRun) {
  const std::string dir = TempDir();
  const auto result_in = [](const std::string& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in)["results"].at(0);
  };
  Invocation replay = Racelab({"run", "--filter", "counter/locked", "--seed", "77", "--repeat", "2",
                               "--json", dir + "/replay.json"});
  ASSERT_EQ(replay.exit_code, 0) << replay.output;
  const nlohmann::json replayed = result_in(dir + "/replay.json");
  EXPECT_EQ(replayed.at("seeds"), nlohmann::json::parse("[77, 77]"));
  EXPECT_EQ(replayed.at("outcomes_by_seed").at("77"), "counter=400000; no finding");

  Invocation drawn = Racelab({"run", "--filter", "counter/locked", "--perturb", "--repeat", "2",
                              "--json", dir + "/drawn.json"});
  ASSERT_EQ(drawn.exit_code, 0) << drawn.output;
  const nlohmann::json seeds = result_in(dir + "/drawn.json").at("seeds");
  ASSERT_EQ(seeds.size(), 2u);
  for (const nlohmann::json& seed : seeds) EXPECT_LT(seed.get<std::uint64_t>(), 1ULL << 32);

  EXPECT_THAT(Racelab({"list"}).output, HasSubstr("(always run with seeded schedules)"));
  EXPECT_THAT(Racelab({"run", "--perturb=1"}).output, HasSubstr("--perturb takes no value"));
}

TEST(RacelabCliTest, RunWritesAJunitReport) {
  const std::string junit_path = TempDir() + "/nested/report.junit.xml";
  Invocation run = Racelab({"run", "--filter", "abba_deadlock/*", "--junit", junit_path});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  std::ifstream in(junit_path);
  ASSERT_TRUE(in.good()) << junit_path;
  const std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"abba_deadlock\" tests=\"3\" failures=\"0\""));
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"abba_deadlock\" name=\"ordered\""));
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"abba_deadlock\" name=\"racy_latent\""));
}

TEST(RacelabCliTest, UsageErrorsExitTwoWithAClearLine) {
  Invocation unknown_filter = Racelab({"run", "--filter", "nope/*"});
  EXPECT_EQ(unknown_filter.exit_code, 2);
  EXPECT_THAT(unknown_filter.output, HasSubstr("no case id matches --filter 'nope/*'"));

  Invocation bad_flag = Racelab({"run", "--repat", "3"});
  EXPECT_EQ(bad_flag.exit_code, 2);
  EXPECT_THAT(bad_flag.output, HasSubstr("unknown option '--repat'"));

  Invocation unknown_case = Racelab({"__child", "counter/mutex", "/dev/null"});
  EXPECT_EQ(unknown_case.exit_code, 2);
  EXPECT_THAT(unknown_case.output, HasSubstr("unknown case id 'counter/mutex'"));

  EXPECT_EQ(Racelab({"bogus"}).exit_code, 2);
}

TEST(RacelabCliTest, AnUnwritableReportIsAnErrorButTheOthersAreStillWritten) {
  const std::string junit_path = TempDir() + "/still_written.junit.xml";
  Invocation run = Racelab({"run", "--filter", "counter/atomic", "--json",
                            "/proc/racelab/report.json", "--junit", junit_path});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("1 passed, 0 failed"));
  EXPECT_THAT(run.output, HasSubstr("/proc/racelab/report.json"));
  EXPECT_TRUE(std::ifstream(junit_path).good()) << "the JUnit report was lost";
}

// With a backstop far away, each hang ends by its state: the deadlock when
// its wait-for cycle closes, the lost wakeup once every thread has stayed
// blocked for the quiet period. Nothing of either run is left behind.
TEST(RacelabCliTest, HangsEndByTheirStateNotByTheTimeoutAndLeaveNoProcess) {
  Invocation deadlock = Racelab({"run", "--filter", "abba_deadlock/racy", "--timeout", "300"});
  EXPECT_EQ(deadlock.exit_code, 0) << deadlock.output;
  EXPECT_THAT(deadlock.output,
              HasSubstr("watchdog deadlock x1: deadlock, found when its wait-for cycle closed"));
  Invocation lost = Racelab({"run", "--filter", "lost_wakeup/racy", "--timeout", "300"});
  EXPECT_EQ(lost.exit_code, 0) << lost.output;
  EXPECT_THAT(lost.output, HasSubstr("watchdog hang x1: every thread blocked for "));
  EXPECT_THAT(lost.output, HasSubstr("T2 waits on a condition variable"));
  // Any case child racelab left behind would have been reparented to this
  // process (RunChild makes it a subreaper): there must be none.
  int status = 0;
  EXPECT_EQ(::waitpid(-1, &status, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

// A program still busy at its timeout is slow, not hung: a `timeout`, which
// for a program expected clean is an error of the run (exit 2), not a
// finding against it; expected buggy, it is what was found.
TEST(RacelabCliTest, AProgramStillRunningAtItsTimeoutIsATimeoutNotAHang) {
  Invocation clean =
      Racelab({"run", "--timeout", "0.5", "--", "/bin/sh", "-c", "while :; do :; done"});
  EXPECT_EQ(clean.exit_code, 2) << clean.output;
  EXPECT_THAT(clean.output, HasSubstr("error: still running after 500ms, not blocked"));
  EXPECT_THAT(clean.output, testing::Not(HasSubstr("hang")));
  Invocation bug = Racelab(
      {"run", "--timeout", "0.5", "--expect", "bug", "--", "/bin/sh", "-c", "while :; do :; done"});
  EXPECT_EQ(bug.exit_code, 0) << bug.output;
  EXPECT_THAT(bug.output, HasSubstr("watchdog timeout x1: still running after 500ms, not blocked"));
}

// The external tools judge files that racelab writes alike in every
// preset: they run in the build without a sanitizer, while every preset
// still writes the files under its own sanitizer and checks their content
// (each such run of the validator or of Chromium took 3-10 s a preset).
bool ExternalToolsJudgeThisBuild() { return ThisBuild().sanitizer == "none"; }

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs Microsoft's SARIF multitool `validate` on `sarif_path` and returns the
// messages of the problems it rated as errors (its exit code says nothing:
// it is 0 either way), or fails the test when it could not run.
std::vector<std::string> SarifValidatorErrors(const std::string& sarif_path) {
  const std::string verdict_path = sarif_path + ".validation.sarif";
  std::filesystem::remove(verdict_path);
  Invocation validate =
      Invoke({RACELAB_SARIF_MULTITOOL, "validate", sarif_path, "--output", verdict_path});
  EXPECT_EQ(validate.exit_code, 0) << validate.output;
  std::ifstream in(verdict_path);
  EXPECT_TRUE(in.good()) << "the validator wrote no verdict; is it installed (ci/setup)?\n"
                         << validate.output;
  if (!in.good()) return {"validator did not run"};
  const nlohmann::json verdict = nlohmann::json::parse(in);
  std::vector<std::string> errors;
  for (const nlohmann::json& result : verdict["runs"][0]["results"]) {
    if (result.value("level", "warning") == "error") {
      errors.push_back(result["ruleId"].get<std::string>() + ": " +
                       result["message"].value("text", result["message"].dump()));
    }
  }
  return errors;
}

TEST(RacelabCliTest, TheSarifValidatorRejectsABrokenLog) {
  if (!ExternalToolsJudgeThisBuild()) GTEST_SKIP() << "the validator runs in the default preset";
  // The check below can fail: a log with a region at line 0 and a URI with
  // a space in it is rejected.
  const std::string path = TempDir() + "/broken.sarif";
  std::ofstream(path) << R"({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
      "results": [{"message": {"text": "m"}, "ruleId": "r", "locations": [{"physicalLocation":
      {"artifactLocation": {"uri": "a b.cc"}, "region": {"startLine": 0}}}]}]}]})";
  EXPECT_FALSE(SarifValidatorErrors(path).empty());
}

TEST(RacelabCliTest, RunWritesASarifLogThatTheOfficialValidatorAccepts) {
  const std::string path = TempDir() + "/report.sarif";
  Invocation run = Racelab({"run", "--filter", "abba_deadlock/*", "--sarif", path});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  if (ExternalToolsJudgeThisBuild()) {
    EXPECT_THAT(SarifValidatorErrors(path), ::testing::IsEmpty());
  }

  const nlohmann::json log = nlohmann::json::parse(ReadText(path));
  EXPECT_EQ(log["version"], "2.1.0");
  const nlohmann::json& sarif_run = log["runs"][0];
  EXPECT_EQ(sarif_run["tool"]["driver"]["rules"].size(), AllFindingKinds().size());
  EXPECT_EQ(sarif_run["originalUriBaseIds"]["SRCROOT"]["uri"],
            "file://" + std::string(RACELAB_SOURCE_DIR) + "/");
  bool latent_on_its_line = false;
  for (const nlohmann::json& result : sarif_run["results"]) {
    const nlohmann::json& location = result["locations"][0]["physicalLocation"];
    if (result["ruleId"] == "lock-order-inversion" &&
        result["message"]["text"].get<std::string>().rfind("abba_deadlock/racy_latent:", 0) == 0 &&
        location["artifactLocation"]["uri"] == "cases/abba_deadlock/abba_deadlock.cc" &&
        location["artifactLocation"]["uriBaseId"] == "SRCROOT" &&
        location["region"]["startLine"].get<int>() > 0) {
      latent_on_its_line = true;
      // A racy variant's finding is what it is for: suppressed, with why.
      EXPECT_EQ(result["suppressions"][0]["kind"], "external");
    }
  }
  EXPECT_TRUE(latent_on_its_line) << sarif_run["results"].dump(2);
}

// Chromium to render with: $RACELAB_CHROMIUM, else the first of its usual
// names on $PATH; "" when there is none.
std::string FindChromium() {
  if (const char* named = std::getenv("RACELAB_CHROMIUM"); named != nullptr && *named != '\0') {
    return named;
  }
  const char* path = std::getenv("PATH");
  for (absl::string_view name : {"chromium", "chromium-browser", "google-chrome"}) {
    for (absl::string_view dir : absl::StrSplit(path != nullptr ? path : "", ':')) {
      const std::string candidate = absl::StrCat(dir, "/", name);
      if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  return "";
}

TEST(RacelabCliTest, RunWritesAnHtmlReportThatChromiumRenders) {
  const std::string dir = TempDir();
  const std::string html_path = dir + "/report.html";
  Invocation run = Racelab(
      {"run", "--filter", "abba_deadlock/racy_latent", "--repeat", "3", "--html", html_path});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  const std::string html = ReadText(html_path);
  EXPECT_THAT(html, HasSubstr("<svg"));                           // the lock-order graph, drawn
  EXPECT_THAT(html, HasSubstr("Observed outcomes over 3 runs"));  // the oracle's histogram
  EXPECT_THAT(html, HasSubstr("<span class=\"hit\">"));           // a source line under a finding
  EXPECT_THAT(html, ::testing::Not(HasSubstr("src=\"http")));     // self-contained
  if (!ExternalToolsJudgeThisBuild()) return;

  const std::string chromium_binary = FindChromium();
  ASSERT_FALSE(chromium_binary.empty())
      << "no chromium on $PATH (or in $RACELAB_CHROMIUM): ci/setup installs Debian's chromium";

  const std::vector<std::string> chromium = {chromium_binary,
                                             "--headless",
                                             "--no-sandbox",
                                             "--disable-gpu",
                                             "--disable-quic",
                                             "--no-first-run",
                                             "--disable-background-networking",
                                             "--disable-component-update",
                                             "--disable-sync",
                                             "--user-data-dir=" + dir + "/profile"};
  std::vector<std::string> dump = chromium;
  dump.insert(dump.end(), {"--dump-dom", "file://" + html_path});
  Invocation dom = Invoke(dump);
  EXPECT_EQ(dom.exit_code, 0) << dom.output;
  EXPECT_THAT(dom.output, HasSubstr("id=\"case-abba-deadlock-racy-latent\""));
  EXPECT_THAT(dom.output, HasSubstr("<svg"));
  EXPECT_THAT(dom.output, HasSubstr("1 passed, 0 failed"));

  std::vector<std::string> shot = chromium;
  const std::string png = dir + "/report.png";
  shot.insert(shot.end(),
              {"--screenshot=" + png, "--window-size=1200,1600", "file://" + html_path});
  Invocation screenshot = Invoke(shot);
  EXPECT_EQ(screenshot.exit_code, 0) << screenshot.output;
  const std::string image = ReadText(png);
  ASSERT_GT(image.size(), 10'000u) << "screenshot too small to show a page";
  EXPECT_EQ(image.substr(1, 3), "PNG");
}

TEST(RacelabCliTest, AnInterruptedRunKillsItsChildAndReportsWhatFinished) {
  // A shell starts racelab on the lost_wakeup cases, waits (polling, with a
  // bound) until racelab's guard has spawned the child of the one that hangs
  // (for a minute: the quiet period is that long),
  // sends racelab SIGTERM, and reports whether that child is still running
  // afterwards. The case before it finished; its report must survive.
  const std::string dir = TempDir();
  const std::string script = std::string(R"(
    "$0" run --jobs 1 --filter 'lost_wakeup/*' --timeout 60 --quiet-period 60 --json "$1/report.json" \
        --junit "$1/report.xml" >"$1/console.txt" 2>&1 &
    runner=$!
    child=
    for attempt in $(seq 400); do
      # The case child is the child of the run's guard, one of racelab's
      # children (another may be addr2line, kept across cases).
      for guard in $(pgrep -P "$runner"); do
        child=$(pgrep -P "$guard" -f '__child lost_wakeup/racy ' | head -n 1)
        [ -n "$child" ] && break
      done
      [ -n "$child" ] && break
      sleep 0.05
    done
    [ -n "$child" ] || { echo "no child appeared"; exit 3; }
    kill -TERM "$runner"
    wait "$runner"
    echo "racelab exit $?"
    for attempt in $(seq 100); do
      state=$(awk '{print $3}' "/proc/$child/stat" 2>/dev/null)
      [ -z "$state" ] || [ "$state" = Z ] && { echo "child gone"; exit 0; }
      sleep 0.05
    done
    echo "child $child still running"; exit 4
  )");
  ChildSpec spec;
  spec.argv = {"/bin/sh", "-c", script, RACELAB_BINARY, dir};
  spec.timeout = absl::Seconds(60);
  absl::StatusOr<ChildOutcome> outcome = RunChild(spec);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->exit_code, 0) << outcome->output_head;
  EXPECT_THAT(outcome->output_head, HasSubstr("racelab exit 2"));
  EXPECT_THAT(outcome->output_head, HasSubstr("child gone"));
  // Reap the killed child, reparented to us as subreaper.
  int status = 0;
  while (::waitpid(-1, &status, WNOHANG) > 0) {
  }

  std::ifstream in(dir + "/report.json");
  ASSERT_TRUE(in.good()) << "no JSON report after SIGTERM";
  const nlohmann::json report = nlohmann::json::parse(in);
  EXPECT_EQ(report["complete"], false);
  EXPECT_EQ(report["incomplete_reason"], "interrupted by SIGTERM");
  ASSERT_EQ(report["results"].size(), 1u) << report.dump(2);
  EXPECT_EQ(report["results"][0]["id"], "lost_wakeup/predicate");
  EXPECT_EQ(report["results"][0]["verdict"], "clean");
  EXPECT_TRUE(std::filesystem::exists(dir + "/report.xml"));
  std::ifstream console(dir + "/console.txt");
  const std::string console_text((std::istreambuf_iterator<char>(console)),
                                 std::istreambuf_iterator<char>());
  EXPECT_THAT(console_text, HasSubstr("INCOMPLETE: interrupted by SIGTERM"));
}

}  // namespace
}  // namespace racelab
