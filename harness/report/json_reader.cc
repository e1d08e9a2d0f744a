// A JSON report read back (see json_reader.h).
#include "harness/report/json_reader.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "harness/report/grade.h"
#include "harness/report/json_writer.h"

namespace racelab {
namespace {

using JsonIn = nlohmann::json;

// Reads the fields of one JSON object, naming the first that is missing or
// of the wrong type (`path` says where the object is).
class Fields {
 public:
  Fields(const JsonIn& object, std::string path) : object_(object), path_(std::move(path)) {}

  bool ok() const { return error_.empty(); }
  absl::Status status() const { return absl::InvalidArgumentError(error_); }

  std::string String(const char* key, bool required = true) {
    const JsonIn* value = Find(key, required);
    if (value == nullptr) return "";
    if (!value->is_string()) return Wrong(key, "a string"), "";
    return value->get<std::string>();
  }
  std::int64_t Integer(const char* key, bool required = true) {
    const JsonIn* value = Find(key, required);
    if (value == nullptr) return 0;
    if (!value->is_number_integer()) return Wrong(key, "a whole number"), 0;
    return value->get<std::int64_t>();
  }
  absl::Duration Seconds(const char* key) {
    const JsonIn* value = Find(key, true);
    if (value == nullptr) return absl::ZeroDuration();
    if (!value->is_number() || !std::isfinite(value->get<double>())) {
      return Wrong(key, "a number of seconds"), absl::ZeroDuration();
    }
    return absl::Milliseconds(std::llround(value->get<double>() * 1000));
  }
  bool Bool(const char* key, bool required = true) {
    const JsonIn* value = Find(key, required);
    if (value == nullptr) return false;
    if (!value->is_boolean()) return Wrong(key, "true or false"), false;
    return value->get<bool>();
  }
  // An array or object member (nullptr when absent and not required).
  const JsonIn* Member(const char* key, bool array, bool required = true) {
    const JsonIn* value = Find(key, required);
    if (value != nullptr && (array ? !value->is_array() : !value->is_object())) {
      Wrong(key, array ? "an array" : "an object");
      return nullptr;
    }
    return value;
  }
  std::string PathOf(const char* key) const {
    return absl::StrCat(path_, path_.empty() ? "" : ".", key);
  }
  void Fail(const std::string& error) {
    if (error_.empty()) error_ = error;
  }

 private:
  const JsonIn* Find(const char* key, bool required) {
    if (!error_.empty()) return nullptr;
    const auto found = object_.find(key);
    if (found == object_.end()) {
      if (required) error_ = absl::StrCat(PathOf(key), " is missing");
      return nullptr;
    }
    return &*found;
  }
  void Wrong(const char* key, const char* what) {
    Fail(absl::StrCat(PathOf(key), " is not ", what));
  }

  const JsonIn& object_;
  const std::string path_;
  std::string error_;
};

// Each string of the array `key` through `parse`; false on an unknown name.
template <typename T, typename Parse>
std::vector<T> Names(Fields& fields, const char* key, Parse parse) {
  std::vector<T> out;
  const JsonIn* names = fields.Member(key, /*array=*/true, /*required=*/false);
  if (names == nullptr) return out;
  for (const JsonIn& name : *names) {
    const auto parsed = name.is_string() ? parse(name.get<std::string>()) : std::nullopt;
    if (!parsed) {
      fields.Fail(absl::StrCat(fields.PathOf(key), " has the unknown name ", name.dump()));
      return out;
    }
    out.push_back(*parsed);
  }
  return out;
}

Location ReadLocation(const JsonIn& object, const std::string& path, Fields& parent) {
  Location location;
  if (!object.is_object()) {
    parent.Fail(absl::StrCat(path, " is not an object"));
    return location;
  }
  Fields fields(object, path);
  location.file = fields.String("file");
  location.line = static_cast<int>(fields.Integer("line"));
  location.function = fields.String("function");
  location.thread = fields.String("thread", false);
  location.role = fields.String("role", false);
  if (!fields.ok()) parent.Fail(std::string(fields.status().message()));
  return location;
}

ReportedFinding ReadFinding(const JsonIn& object, const std::string& path, Fields& parent) {
  ReportedFinding finding;
  if (!object.is_object()) return parent.Fail(absl::StrCat(path, " is not an object")), finding;
  Fields fields(object, path);
  const std::string detector = fields.String("detector"), kind = fields.String("kind");
  finding.count = static_cast<int>(fields.Integer("count"));
  finding.evidence = WrittenMessage{fields.String("message")};
  finding.details = fields.String("details", false);
  if (object.contains("seed")) finding.seed = static_cast<std::uint64_t>(fields.Integer("seed"));
  if (const JsonIn* locations = fields.Member("locations", true)) {
    for (size_t i = 0; i < locations->size(); ++i) {
      finding.locations.push_back(
          ReadLocation((*locations)[i], absl::StrCat(path, ".locations[", i, "]"), fields));
    }
  }
  if (fields.ok()) {
    if (auto parsed = ParseDetector(detector))
      finding.detector = *parsed;
    else
      fields.Fail(absl::StrCat(path, ".detector '", detector, "' is not a detector"));
    if (auto parsed = ParseFindingKind(kind))
      finding.kind = *parsed;
    else
      fields.Fail(absl::StrCat(path, ".kind '", kind, "' is not a finding kind"));
  }
  if (!fields.ok()) parent.Fail(std::string(fields.status().message()));
  return finding;
}

std::optional<Verdict> ParseVerdict(absl::string_view name) {
  for (Verdict verdict : {Verdict::kDetected, Verdict::kMissed, Verdict::kClean,
                          Verdict::kFalsePositive, Verdict::kError}) {
    if (VerdictName(verdict) == name) return verdict;
  }
  return std::nullopt;
}

CaseResult ReadResult(const JsonIn& object, const std::string& path, Fields& parent) {
  CaseResult result;
  if (!object.is_object()) return parent.Fail(absl::StrCat(path, " is not an object")), result;
  Fields fields(object, path);
  CaseDeclaration& declaration = result.declaration;
  declaration.pattern = fields.String("pattern");
  declaration.variant = fields.String("variant");
  const std::string expect = fields.String("expect"), verdict = fields.String("verdict");
  declaration.bug_kinds = Names<FindingKind>(fields, "bug_kinds", ParseFindingKind);
  declaration.found_by = Names<Detector>(fields, "found_by", ParseDetector);
  declaration.sometimes_found_by = Names<Detector>(fields, "sometimes_found_by", ParseDetector);
  declaration.per_test = object.contains("flaky");
  result.flaky = fields.Bool("flaky", false);
  result.runs = static_cast<int>(fields.Integer("runs"));
  result.runs_with_findings = static_cast<int>(fields.Integer("runs_with_findings"));
  result.runs_detected = static_cast<int>(fields.Integer("runs_detected", false));
  result.duration = fields.Seconds("duration_s");
  result.note = fields.String("note", false);
  result.index = object.contains("index") ? static_cast<int>(fields.Integer("index")) : -1;
  if (const JsonIn* findings = fields.Member("findings", true)) {
    for (size_t i = 0; i < findings->size(); ++i) {
      result.findings.push_back(
          ReadFinding((*findings)[i], absl::StrCat(path, ".findings[", i, "]"), fields));
    }
  }
  if (const JsonIn* outcomes = fields.Member("outcomes", false, false)) {
    for (const auto& [observed, runs] : outcomes->items()) {
      if (!runs.is_number_integer())
        return fields.Fail(absl::StrCat(path, ".outcomes is not counts")), result;
      result.outcomes[observed] = runs.get<int>();
    }
  }
  if (const JsonIn* seeds = fields.Member("seeds", true, false)) {
    for (const JsonIn& seed : *seeds) {
      if (!seed.is_number_unsigned())
        return fields.Fail(absl::StrCat(path, ".seeds is not seeds")), result;
      result.seeds.push_back(seed.get<std::uint64_t>());
    }
  }
  if (const JsonIn* by_seed = fields.Member("outcomes_by_seed", false, false)) {
    for (const auto& [seed, observed] : by_seed->items()) {
      if (observed.is_string())
        result.outcomes_by_seed[std::stoull(seed)] = observed.get<std::string>();
    }
  }
  if (const JsonIn* errors = fields.Member("errors", true, false)) {
    for (const JsonIn& error : *errors) {
      if (error.is_string()) result.errors.push_back(error.get<std::string>());
    }
  }
  if (fields.ok()) {
    if (expect == "bug" || expect == "clean") {
      declaration.expect = expect == "bug" ? Expect::kBug : Expect::kClean;
    } else {
      fields.Fail(absl::StrCat(path, ".expect '", expect, "' is neither bug nor clean"));
    }
    if (auto parsed = ParseVerdict(verdict))
      result.verdict = *parsed;
    else
      fields.Fail(absl::StrCat(path, ".verdict '", verdict, "' is not a verdict"));
  }
  if (!fields.ok()) parent.Fail(std::string(fields.status().message()));
  return result;
}

}  // namespace

absl::StatusOr<Report> ParseJsonReport(absl::string_view text) {
  const JsonIn document =
      JsonIn::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) {
    return absl::InvalidArgumentError("not JSON, or not a JSON object");
  }
  Fields fields(document, "");
  const std::string schema = fields.String("schema");
  if (fields.ok() && schema != kJsonReportSchema) {
    return absl::InvalidArgumentError(
        absl::StrCat("schema is '", schema, "', not '", kJsonReportSchema, "'"));
  }
  Report report;
  if (const JsonIn* build = fields.Member("build", false)) {
    Fields build_fields(*build, "build");
    report.build.preset = build_fields.String("preset");
    report.build.compiler = build_fields.String("compiler");
    report.build.sanitizer = build_fields.String("sanitizer");
    if (!build_fields.ok()) return build_fields.status();
  }
  report.complete = fields.Bool("complete");
  report.incomplete_reason = fields.String("incomplete_reason", false);
  report.duration = fields.Seconds("duration_s");
  if (const JsonIn* program = fields.Member("program", true, false)) {
    for (const JsonIn& arg : *program)
      report.program.push_back(arg.is_string() ? arg.get<std::string>() : "");
  }
  if (const JsonIn* shard = fields.Member("shard", false, false)) {
    Fields shard_fields(*shard, "shard");
    report.shard_index = static_cast<int>(shard_fields.Integer("index"));
    report.shard_count = static_cast<int>(shard_fields.Integer("count"));
    if (!shard_fields.ok()) return shard_fields.status();
  }
  if (const JsonIn* notes = fields.Member("detector_notes", true, false)) {
    for (size_t i = 0; i < notes->size(); ++i) {
      if (!(*notes)[i].is_object())
        return absl::InvalidArgumentError("detector_notes has a non-object");
      Fields note_fields((*notes)[i], absl::StrCat("detector_notes[", i, "]"));
      DetectorNote note;
      const std::string detector = note_fields.String("detector");
      note.why = note_fields.String("why");
      note.invisible = note_fields.String("invisible");
      note.remedy = note_fields.String("remedy");
      if (!note_fields.ok()) return note_fields.status();
      if (auto parsed = ParseDetector(detector)) note.detector = *parsed;
      report.detector_notes.push_back(std::move(note));
    }
  }
  if (const JsonIn* results = fields.Member("results", true)) {
    for (size_t i = 0; i < results->size(); ++i) {
      report.results.push_back(ReadResult((*results)[i], absl::StrCat("results[", i, "]"), fields));
    }
  }
  if (!fields.ok()) return fields.status();
  report.summary = Summarize(report.results);
  return report;
}

}  // namespace racelab
