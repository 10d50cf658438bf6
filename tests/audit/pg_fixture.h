// A throwaway PostgreSQL server for tests and benchmarks: a fresh cluster in
// a temp dir on a free loopback port, stopped and deleted on destruction.
// Runs the server as the `postgres` user when we are root (initdb refuses root).
// PERIMETER_TEST_PG_URL overrides it with an existing server.
#pragma once

#include <string>

namespace perimeter::testing {

class PgServer {
 public:
  // Starts the server; throws std::runtime_error with the server log on failure.
  PgServer();
  // Stops the server and removes its files.
  ~PgServer();
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  // libpq URI of the `postgres` database.
  const std::string& url() const { return url_; }

  // A URI whose connections use a new, empty schema `name` (isolates tests).
  std::string fresh_schema_url(const std::string& name);

  // The process-wide instance, started on first use and stopped at exit.
  static PgServer& shared();

 private:
  void stop();

  std::string dir_;
  std::string bin_;
  std::string run_as_;  // "runuser -u postgres -- " when root, else ""
  std::string url_;
  bool external_ = false;
  bool started_ = false;
};

}  // namespace perimeter::testing
