#include "audit/pg_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace perimeter::testing {
namespace {

int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot find a free loopback port");
  }
  int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

std::string find_bin() {
  if (const char* b = std::getenv("PERIMETER_PG_BIN")) return b;
  for (const char* v : {"17", "16", "15", "14", "13"}) {
    std::string dir = std::string("/usr/lib/postgresql/") + v + "/bin";
    if (std::filesystem::exists(dir + "/initdb")) return dir;
  }
  throw std::runtime_error(
      "PostgreSQL server binaries not found (install the Debian `postgresql` package, "
      "scripts/setup.sh does)");
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void run(const std::string& cmd, const std::string& log) {
  int rc = std::system(cmd.c_str());
  if (rc != 0)
    throw std::runtime_error("command failed (" + std::to_string(rc) + "): " + cmd + "\n" +
                             slurp(log));
}

void exec_sql(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    throw std::runtime_error("cannot connect to test PostgreSQL: " + msg);
  }
  PGresult* r = PQexec(c, sql.c_str());
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  std::string msg = PQerrorMessage(c);
  PQclear(r);
  PQfinish(c);
  if (!ok) throw std::runtime_error("test PostgreSQL: " + msg);
}

}  // namespace

PgServer::PgServer() {
  if (const char* u = std::getenv("PERIMETER_TEST_PG_URL"); u && *u) {
    url_ = u;
    external_ = true;
    return;
  }
  bin_ = find_bin();
  char tmpl[] = "/tmp/perimeter-pg-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  if (::geteuid() == 0) {
    passwd* pw = ::getpwnam("postgres");
    if (!pw) throw std::runtime_error("running as root but there is no `postgres` user");
    if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0)
      throw std::runtime_error("cannot chown " + dir_ + " to postgres");
    run_as_ = "runuser -u postgres -- ";
  }
  // Our shell writes setup.log; the server (as postgres) writes server.log.
  const std::string log = dir_ + "/setup.log";
  const int port = free_loopback_port();
  try {
    // initdb takes most of the start-up time and every test process needs a
    // cluster, so one initdb'd template per machine is copied (under a lock).
    const std::string tmpl = "/tmp/perimeter-pg-template-" + std::to_string(::geteuid()) + "-" +
                             std::to_string(std::hash<std::string>{}(bin_) % 100000);
    {
      int lock = ::open((tmpl + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (lock < 0 || ::flock(lock, LOCK_EX) != 0)
        throw std::runtime_error("cannot lock " + tmpl + ".lock");
      if (!std::filesystem::exists(tmpl + "/data/PG_VERSION")) {
        std::error_code ec;
        std::filesystem::remove_all(tmpl + ".tmp", ec);
        std::filesystem::create_directories(tmpl + ".tmp");
        if (!run_as_.empty()) run("chown postgres:postgres " + tmpl + ".tmp", log);
        // Run from the temp dir: runuser keeps the cwd, which postgres may not be able to read.
        run("cd " + tmpl + ".tmp && " + run_as_ + bin_ + "/initdb -D " + tmpl +
                ".tmp/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >" + log +
                " 2>&1",
            log);
        std::filesystem::remove_all(tmpl, ec);
        std::filesystem::rename(tmpl + ".tmp", tmpl);
      }
      run("cp -a " + tmpl + "/data " + dir_ + "/data >" + log + " 2>&1", log);
      ::close(lock);  // releases the flock
    }
    started_ = true;  // from here on, the destructor's stop is needed
    run("cd " + dir_ + " && " + run_as_ + bin_ + "/pg_ctl -D " + dir_ + "/data -w -t 60 -l " +
            dir_ + "/server.log -o \"-p " + std::to_string(port) +
            " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + dir_ + "\" start >>" +
            log + " 2>&1",
        log);
  } catch (const std::exception& e) {
    std::string msg = e.what() + std::string("\nserver log:\n") + slurp(dir_ + "/server.log");
    stop();
    throw std::runtime_error(msg);
  }
  url_ = "postgresql://postgres@127.0.0.1:" + std::to_string(port) + "/postgres";
  // A watchdog stops the server if this process dies without running its
  // destructors (crash, ctest timeout, SIGKILL), so no postgres is orphaned.
  std::string watchdog = "nohup sh -c 'while kill -0 " + std::to_string(::getpid()) +
                         " 2>/dev/null; do sleep 1; done; cd " + dir_ + " 2>/dev/null && " +
                         run_as_ + bin_ + "/pg_ctl -D " + dir_ +
                         "/data -m immediate stop; cd / && rm -rf " + dir_ + "' >/dev/null 2>&1 &";
  (void)std::system(watchdog.c_str());
}

void PgServer::stop() {
  if (started_) {
    std::string cmd = "cd " + dir_ + " && " + run_as_ + bin_ + "/pg_ctl -D " + dir_ +
                      "/data -w -t 60 -m immediate stop >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      cmd = "cd " + dir_ + " && " + run_as_ + bin_ + "/pg_ctl -D " + dir_ +
            "/data -m immediate stop >/dev/null 2>&1";
      (void)std::system(cmd.c_str());
    }
    started_ = false;
  }
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  dir_.clear();
}

PgServer::~PgServer() {
  if (!external_) stop();
}

std::string PgServer::fresh_schema_url(const std::string& name) {
  exec_sql(url_, "CREATE SCHEMA " + name);
  std::string sep = url_.find('?') == std::string::npos ? "?" : "&";
  return url_ + sep + "options=-csearch_path%3D" + name;
}

PgServer& PgServer::shared() {
  // Destroyed at exit, which stops the server.
  static PgServer server;
  return server;
}

}  // namespace perimeter::testing
