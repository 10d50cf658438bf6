-- wrk script: POST the overhead benchmark's chat body (an e-mail address in
-- the prompt so detection has work). PORTKEY_HOST set = add Portkey's
-- routing headers pointing it at that upstream base URL.
wrk.method = "POST"
wrk.path = "/v1/chat/completions"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench"
local portkey_host = os.getenv("PORTKEY_HOST")
if portkey_host and portkey_host ~= "" then
  wrk.headers["x-portkey-provider"] = "openai"
  wrk.headers["x-portkey-custom-host"] = portkey_host
end
wrk.body = '{"model":"bench","messages":[{"role":"user","content":"Please reply to jane.doe@example.com and confirm the meeting on Tuesday."}],"max_tokens":16}'

done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50=%.3f p90=%.3f p99=%.3f max=%.3f errors=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.status + summary.errors.timeout))
end
