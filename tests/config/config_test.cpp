#include <gtest/gtest.h>

#include <set>

#include "config/config.h"

namespace perimeter::config {
namespace {

const std::string kSha = std::string(64, 'a');

std::string model_yaml(const std::string& extra = "") {
  return "models:\n  extractor:\n    engine: embedded\n    path: m.gguf\n    sha256: " + kSha +
         "\n" + extra;
}

// The ConfigError message for `yaml`, or "" if it parsed.
std::string error_of(const std::string& yaml) {
  try {
    parse_config(yaml, "/base");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Config, MinimalModelGetsDefaults) {
  Config c = parse_config(model_yaml(), "/base");
  ASSERT_EQ(c.models.size(), 1u);
  const Model& m = c.models.at("extractor");
  EXPECT_EQ(m.path, std::filesystem::path("/base/m.gguf"));  // relative to the config file
  EXPECT_EQ(m.sha256, kSha);
  EXPECT_EQ(m.slots, 2);
  EXPECT_FALSE(m.sampling.seed.has_value());
  EXPECT_EQ(c.default_model, "extractor");
  EXPECT_EQ(c.server.port, 8080);
}

TEST(Config, FullModelAndServer) {
  Config c = parse_config(
      "listen: 0.0.0.0:9000\nhttp: {max_body_bytes: 2048, threads: 3, busy_poll_us: 300}\n" +
          model_yaml("    sampling: {temperature: 0, top_k: 1, top_p: 1.0, min_p: 0, seed: 42, "
                     "max_tokens: 64}\n    slots: 4\n    threads: 2\n    context: 1024\n"),
      "/base");
  const Model& m = c.models.at("extractor");
  EXPECT_EQ(c.server.host, "0.0.0.0");
  EXPECT_EQ(c.server.port, 9000);
  EXPECT_EQ(c.server.max_body_bytes, 2048u);
  EXPECT_EQ(c.server.threads, 3);
  EXPECT_EQ(c.server.busy_poll_us, 300);
  EXPECT_EQ(m.sampling.temperature, 0);
  EXPECT_EQ(m.sampling.top_k, 1);
  EXPECT_EQ(*m.sampling.seed, 42u);
  EXPECT_EQ(m.sampling.max_tokens, 64);
  EXPECT_EQ(m.slots, 4);
  EXPECT_EQ(m.context, 1024);
}

TEST(Config, SamplingRangesNameKeyPathAndRule) {
  EXPECT_EQ(error_of(model_yaml("    sampling: {top_p: 0}\n")),
            "models.extractor.sampling.top_p: must be in (0, 1] (line 6)");
  EXPECT_NE(error_of(model_yaml("    sampling: {top_p: 1.5}\n"))
                .find("models.extractor.sampling.top_p: must be in (0, 1]"),
            std::string::npos);
  EXPECT_NE(error_of(model_yaml("    sampling: {temperature: -1}\n"))
                .find("models.extractor.sampling.temperature: must be in [0, 2]"),
            std::string::npos);
  EXPECT_NE(error_of(model_yaml("    sampling: {min_p: 2}\n"))
                .find("models.extractor.sampling.min_p: must be in [0, 1]"),
            std::string::npos);
  EXPECT_NE(error_of(model_yaml("    sampling: {top_k: -3}\n"))
                .find("models.extractor.sampling.top_k: must be in [0,"),
            std::string::npos);
  EXPECT_NE(error_of(model_yaml("    sampling: {seed: 4294967295}\n"))
                .find("models.extractor.sampling.seed: must be in"),
            std::string::npos);
  EXPECT_NE(error_of(model_yaml("    sampling: {max_tokens: 0}\n"))
                .find("models.extractor.sampling.max_tokens"),
            std::string::npos);
  EXPECT_NE(error_of(model_yaml("    sampling: {temperature: hot}\n"))
                .find("models.extractor.sampling.temperature: must be a number"),
            std::string::npos);
}

TEST(Config, ModelRules) {
  EXPECT_NE(error_of("models:\n  x:\n    engine: embedded\n    path: m.gguf\n")
                .find("models.x.sha256: is required"),
            std::string::npos);
  EXPECT_NE(error_of("models:\n  x:\n    engine: embedded\n    path: m.gguf\n    sha256: ABC\n")
                .find("models.x.sha256: must be 64 lowercase hex digits"),
            std::string::npos);
  EXPECT_NE(error_of("models:\n  x:\n    engine: embedded\n    sha256: " + kSha + "\n")
                .find("models.x.path: is required"),
            std::string::npos);
  EXPECT_NE(error_of("models:\n  x:\n    engine: quantum\n    path: m\n    sha256: " + kSha + "\n")
                .find("models.x.engine: must be one of: embedded"),
            std::string::npos);
  EXPECT_NE(
      error_of(model_yaml("    slots: 0\n")).find("models.extractor.slots: must be in [1, 64]"),
      std::string::npos);
  EXPECT_NE(
      error_of(model_yaml("    context: 8\n")).find("models.extractor.context: must be in [16,"),
      std::string::npos);
  EXPECT_NE(error_of("models: {}\n").find("models: must define at least one model"),
            std::string::npos);
  EXPECT_NE(error_of("listen: 1.2.3.4:80\n").find("models: is required"), std::string::npos);
  EXPECT_NE(
      error_of("models:\n  auto:\n    engine: embedded\n").find("models.auto: 'auto' is reserved"),
      std::string::npos);
}

TEST(Config, AdaptersArePinnedNamedAndResolved) {
  const Config c = parse_config(
      model_yaml("    adapters:\n      medical: {path: loras/med.gguf, sha256: " + kSha +
                 ", scale: 0.5}\n      legal: {path: /abs/legal.gguf, sha256: " + kSha + "}\n"),
      "/base");
  const auto& a = c.models.at("extractor").adapters;
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].name, "legal");  // name order, whatever the YAML order
  EXPECT_EQ(a[0].path, std::filesystem::path("/abs/legal.gguf"));
  EXPECT_EQ(a[0].scale, 1.0);
  EXPECT_EQ(a[1].name, "medical");
  EXPECT_EQ(a[1].path, std::filesystem::path("/base/loras/med.gguf"));
  EXPECT_EQ(a[1].path_as_written, "loras/med.gguf");
  EXPECT_EQ(a[1].scale, 0.5);
  EXPECT_EQ(model_facts(c.models).at("extractor").adapters,
            (std::set<std::string>{"legal", "medical"}));

  auto adapter_error = [](const std::string& body) {
    return error_of(model_yaml("    adapters:\n      " + body + "\n"));
  };
  EXPECT_NE(
      adapter_error("x: {path: a.gguf}").find("models.extractor.adapters.x.sha256: is required"),
      std::string::npos);
  EXPECT_NE(adapter_error("x: {sha256: " + kSha + "}").find("adapters.x.path: is required"),
            std::string::npos);
  EXPECT_NE(adapter_error("x: {path: a.gguf, sha256: " + kSha + ", scale: 1000}")
                .find("adapters.x.scale: must be in"),
            std::string::npos);
  EXPECT_NE(adapter_error("x: {path: a.gguf, sha256: " + kSha + ", rank: 8}")
                .find("adapters.x.rank: unknown key"),
            std::string::npos);
  EXPECT_NE(
      adapter_error("\"a b\": {path: a.gguf, sha256: " + kSha + "}").find("adapter names must be"),
      std::string::npos);
}

TEST(Config, UnknownKeysAreErrors) {
  EXPECT_NE(error_of(model_yaml("    slot: 3\n")).find("models.extractor.slot: unknown key"),
            std::string::npos);
  EXPECT_NE(error_of(model_yaml("    sampling: {temprature: 0.5}\n"))
                .find("models.extractor.sampling.temprature: unknown key"),
            std::string::npos);
  EXPECT_NE(error_of(model_yaml() + "colour: blue\n").find("colour: unknown key"),
            std::string::npos);
  EXPECT_NE(error_of("http: {max_body: 1}\n" + model_yaml()).find("http.max_body: unknown key"),
            std::string::npos);
}

TEST(Config, ModuleSectionsAreValidatedWithTheirKeyPath) {
  EXPECT_NE(error_of("detect: {bogus: 1}\n" + model_yaml()).find("detect.bogus"),
            std::string::npos);
  EXPECT_NE(error_of("router: {min_confidence: 3}\n" + model_yaml())
                .find("router.min_confidence: must be"),
            std::string::npos);
  Config c = parse_config("router: {min_confidence: 0.4}\n" + model_yaml(), "/base");
  EXPECT_EQ(c.router.min_confidence, 0.4);
  EXPECT_EQ(c.resolve("x/y"), std::filesystem::path("/base/x/y"));
  EXPECT_EQ(c.resolve("/abs"), std::filesystem::path("/abs"));
}

TEST(Config, ListenAndDefaultModel) {
  EXPECT_NE(error_of("listen: nonsense\n" + model_yaml()).find("listen: must be HOST:PORT"),
            std::string::npos);
  EXPECT_NE(error_of("listen: 'h:99999'\n" + model_yaml()).find("listen: port must be"),
            std::string::npos);
  EXPECT_NE(error_of("default_model: nope\n" + model_yaml()).find("default_model: names no model"),
            std::string::npos);
  EXPECT_EQ(parse_config("listen: '[::1]:81'\n" + model_yaml(), "/").server.host, "::1");
}

TEST(Config, SyntaxErrorsGiveLineAndColumn) {
  EXPECT_NE(error_of("models: [\n").find("YAML syntax error at line"), std::string::npos);
  EXPECT_NE(error_of("- a\n- b\n").find("document: must be a mapping"), std::string::npos);
}

TEST(Config, LoadConfigNamesTheFile) {
  try {
    load_config("/nonexistent/perimeter.yaml");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/perimeter.yaml"), std::string::npos);
  }
}

}  // namespace
}  // namespace perimeter::config

namespace perimeter::config {
namespace {

std::string http_yaml(const std::string& extra = "",
                      const std::string& url = "    url: https://api.example.com/v1\n") {
  return "models:\n  cloud:\n    engine: http\n" + url +
         "    upstream_model: mini-2026-01-01\n    egress: cloud\n" + extra;
}

TEST(Config, HttpModelGetsDefaults) {
  Config c = parse_config(http_yaml(), "/base");
  const Model& m = c.models.at("cloud");
  EXPECT_EQ(m.engine, "http");
  EXPECT_EQ(m.egress, "cloud");
  EXPECT_EQ(m.upstream.urls, std::vector<std::string>{"https://api.example.com/v1"});
  EXPECT_EQ(m.upstream.model, "mini-2026-01-01");
  EXPECT_EQ(m.upstream.flavour, "openai");
  EXPECT_EQ(m.upstream.retries, 2);
  EXPECT_TRUE(m.upstream.tls_verify);
  EXPECT_FALSE(m.sampling_set);
}

TEST(Config, HttpModelFull) {
  Config c = parse_config(
      http_yaml(
          "    flavour: vllm\n    api_key_env: GPU_KEY\n"
          "    timeouts: {connect_s: 1, first_byte_s: 20, idle_s: 5}\n"
          "    max_inflight: 8\n    retries: 0\n    retry_backoff_ms: 50\n"
          "    health: {eject_after: 5, cooldown_s: 2.5}\n"
          "    tls: {verify: false, ca_file: ca.pem}\n"
          "    sampling: {temperature: 0}\n    price: {input_per_mtok: 1, output_per_mtok: 2}\n",
          "    urls: [http://a:8000/v1, http://b:8000/v1]\n"),
      "/base");
  const Model& m = c.models.at("cloud");
  EXPECT_EQ(m.upstream.urls.size(), 2u);
  EXPECT_EQ(m.upstream.flavour, "vllm");
  EXPECT_EQ(m.upstream.api_key_env, "GPU_KEY");
  EXPECT_EQ(m.upstream.connect_timeout_s, 1);
  EXPECT_EQ(m.upstream.first_byte_timeout_s, 20);
  EXPECT_EQ(m.upstream.idle_timeout_s, 5);
  EXPECT_EQ(m.upstream.max_inflight, 8);
  EXPECT_EQ(m.upstream.retries, 0);
  EXPECT_EQ(m.upstream.retry_backoff_ms, 50);
  EXPECT_EQ(m.upstream.eject_after, 5);
  EXPECT_EQ(m.upstream.eject_s, 2.5);
  EXPECT_FALSE(m.upstream.tls_verify);
  EXPECT_EQ(m.upstream.ca_file, std::filesystem::path("/base/ca.pem"));
  EXPECT_TRUE(m.sampling_set);
  EXPECT_TRUE(m.price.has_value());
}

TEST(Config, HttpModelRulesNameKeyPath) {
  auto err = [](const std::string& yaml) { return error_of(yaml); };
  EXPECT_NE(err(http_yaml("", "")).find("models.cloud.url: is required for engine: http"),
            std::string::npos);
  EXPECT_NE(err(http_yaml("", "    url: ftp://x/v1\n"))
                .find("models.cloud.url: must start with http:// or https://"),
            std::string::npos);
  EXPECT_NE(err(http_yaml("", "    url: http:///v1\n")).find("models.cloud.url: names no host"),
            std::string::npos);
  EXPECT_NE(err(http_yaml("", "    urls: []\n")).find("models.cloud.urls: must list at least"),
            std::string::npos);
  EXPECT_NE(err(http_yaml("    urls: [http://b/v1]\n")).find("models.cloud.urls: give either"),
            std::string::npos);
  EXPECT_NE(err("models:\n  c:\n    engine: http\n    url: http://a/v1\n    egress: cloud\n")
                .find("models.c.upstream_model: is required"),
            std::string::npos);
  EXPECT_NE(err("models:\n  c:\n    engine: http\n    url: http://a/v1\n    upstream_model: m\n")
                .find("models.c.egress: is required"),
            std::string::npos);
  EXPECT_NE(err(http_yaml("    flavour: kobold\n")).find("models.cloud.flavour: must be one of"),
            std::string::npos);
  EXPECT_NE(err(http_yaml("    api_key_env: \"sk-abc def\"\n"))
                .find("models.cloud.api_key_env: must name an environment variable"),
            std::string::npos);
  EXPECT_NE(err(http_yaml("    timeouts: {first_byte_s: 0}\n"))
                .find("models.cloud.timeouts.first_byte_s: must be in (0, 86400]"),
            std::string::npos);
  EXPECT_NE(err(http_yaml("    timeouts: {total_s: 3}\n"))
                .find("models.cloud.timeouts.total_s: unknown key"),
            std::string::npos);
  EXPECT_NE(err(http_yaml("    retries: 11\n")).find("models.cloud.retries: must be in [0, 10]"),
            std::string::npos);
  EXPECT_NE(err(http_yaml("    health: {eject_after: 0}\n"))
                .find("models.cloud.health.eject_after: must be in [1,"),
            std::string::npos);
  // Keys of the other engine are not silently accepted.
  EXPECT_NE(err(http_yaml("    slots: 4\n")).find("models.cloud.slots: unknown key"),
            std::string::npos);
  EXPECT_NE(err(model_yaml("    egress: cloud\n")).find("models.extractor.egress: unknown key"),
            std::string::npos);
}

}  // namespace
}  // namespace perimeter::config
