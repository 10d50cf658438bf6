"""More technical documents (stack traces, Kubernetes manifests, nginx and
Docker files, CI logs, code in several languages, kernel/app logs) and
longer free-text documents (incident timelines, tickets, statements with many
rows). Like common.DOCS they are used by every class, so their vocabulary says
nothing about the label. Written for this project; secrets are random."""

from common import COMPANIES, Person, money


def _key(rng, n):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))


def doc_traceback(rng):
    fn = rng.choice(["load_orders", "compute_invoice", "parse_claim", "sync_patients", "render_report"])
    err = rng.choice([
        "KeyError: 'customer_id'",
        "TypeError: unsupported operand type(s) for +: 'int' and 'NoneType'",
        "ZeroDivisionError: division by zero",
        "psycopg2.OperationalError: could not connect to server: Connection refused",
        "IndexError: list index out of range",
        "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)",
    ])
    text = (f"Traceback (most recent call last):\n"
            f"  File \"/srv/app/jobs/nightly.py\", line {rng.randint(20, 300)}, in main\n"
            f"    {fn}(batch)\n"
            f"  File \"/srv/app/billing/{fn}.py\", line {rng.randint(10, 200)}, in {fn}\n"
            f"    total += row[\"amount\"] / row[\"qty\"]\n{err}\n"
            f"[job nightly-{rng.randint(100, 999)}] failed after {rng.randint(2, 900)}s, "
            f"user={Person(rng).email}, retry {rng.randint(1, 5)}/5")
    return "stack trace", text, ["exception type", "file names", "line numbers", "user email", "job id"]


def doc_k8s(rng):
    app = rng.choice(["checkout", "patient-portal", "ledger", "search", "auth"])
    text = (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {app}\n  namespace: prod\n"
            f"spec:\n  replicas: {rng.choice([1, 2, 3, 6])}\n  template:\n    spec:\n      containers:\n"
            f"      - name: {app}\n        image: registry.internal/{app}:{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}\n"
            f"        resources:\n          limits:\n            memory: {rng.choice(['256Mi', '512Mi', '2Gi'])}\n"
            f"            cpu: {rng.choice(['250m', '500m', '2'])}\n"
            f"        env:\n        - name: DB_PASSWORD\n          value: \"{_key(rng, 14)}\"\n"
            f"        - name: LOG_LEVEL\n          value: {rng.choice(['debug', 'info'])}\n"
            f"        livenessProbe:\n          httpGet: {{path: /healthz, port: 8080}}\n"
            f"          initialDelaySeconds: {rng.choice([0, 5, 30])}")
    return "Kubernetes manifest", text, ["image tag", "replica count", "memory limit", "DB password",
                                        "environment variables"]


def doc_nginx(rng):
    host = rng.choice(["shop.example.org", "portal.riverside-clinic.org", "api.northwind.io"])
    text = (f"server {{\n    listen 80;\n    server_name {host};\n"
            f"    location / {{\n        proxy_pass http://127.0.0.1:{rng.choice([3000, 8000, 8080])};\n"
            f"        proxy_read_timeout {rng.choice([5, 30, 300])}s;\n    }}\n"
            f"    location /admin {{\n        allow all;\n        auth_basic off;\n    }}\n"
            f"    client_max_body_size {rng.choice(['1m', '50m', '0'])};\n"
            f"    ssl_protocols TLSv1 TLSv1.1 TLSv1.2;\n}}")
    return "nginx config", text, ["server name", "upstream port", "timeouts", "TLS versions"]


def doc_dockerfile(rng):
    text = (f"FROM python:3.{rng.choice([8, 9, 11, 12])}\nWORKDIR /app\nCOPY . .\n"
            f"RUN pip install -r requirements.txt\nENV API_TOKEN={_key(rng, 24)}\n"
            f"ENV ADMIN_EMAIL={Person(rng).email}\nEXPOSE {rng.choice([80, 5000, 8000])}\n"
            f"USER root\nCMD [\"python\", \"server.py\", \"--workers\", \"{rng.randint(1, 16)}\"]")
    return "Dockerfile", text, ["base image", "exposed port", "API token", "admin email"]


def doc_ci_log(rng):
    lines = [f"#{i} [build {rng.randint(1, 9)}/9] RUN npm ci" for i in range(rng.randint(2, 4))]
    lines += [
        f"npm WARN deprecated request@2.88.2: request has been deprecated",
        f"> test\n> jest --ci",
        f"FAIL src/cart.test.ts ({rng.randint(2, 40)}.{rng.randint(0, 9)} s)",
        f"  ● cart › applies discount\n    expect(received).toBe(expected)\n    Expected: {rng.randint(10, 99)}.00\n    Received: {rng.randint(10, 99)}.99",
        f"Tests: 1 failed, {rng.randint(20, 300)} passed",
        f"deploy skipped; notify {Person(rng).email}",
        f"Error: Process completed with exit code 1.",
    ]
    return "CI log", "\n".join(lines), ["failing test", "exit code", "expected and received values", "email"]


def doc_syslog(rng):
    out = []
    for _ in range(rng.choice([8, 15, 40, 80])):
        t = f"Apr {rng.randint(1, 28):2d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
        out.append(rng.choice([
            f"{t} web-{rng.randint(1, 6)} kernel: Out of memory: Killed process {rng.randint(1000, 99999)} (java) total-vm:{rng.randint(2, 9)}123456kB",
            f"{t} web-{rng.randint(1, 6)} nginx[{rng.randint(100, 999)}]: upstream timed out (110: Connection timed out) while reading response header",
            f"{t} db-1 postgres[{rng.randint(100, 999)}]: LOG:  checkpoints are occurring too frequently ({rng.randint(5, 29)} seconds apart)",
            f"{t} web-{rng.randint(1, 6)} app[{rng.randint(100, 999)}]: GET /api/orders 200 {rng.randint(5, 4000)}ms user={Person(rng).email}",
            f"{t} web-{rng.randint(1, 6)} app[{rng.randint(100, 999)}]: POST /api/pay 502 {rng.randint(5, 30000)}ms",
            f"{t} lb-1 haproxy[{rng.randint(100, 999)}]: backend web has no server available!",
            f"{t} web-{rng.randint(1, 6)} CRON[{rng.randint(100, 9999)}]: (root) CMD (/usr/local/bin/backup.sh)",
            f"{t} db-1 postgres[{rng.randint(100, 999)}]: ERROR:  deadlock detected",
            f"{t} web-{rng.randint(1, 6)} sshd[{rng.randint(100, 9999)}]: Failed password for root from {rng.randint(11, 220)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)} port {rng.randint(1024, 65000)}",
        ]))
    return "system log", "\n".join(out), ["hosts", "error messages", "IP addresses", "timestamps", "process ids"]


CODE_SNIPPETS = [
    "def average(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total / len(xs)\n",
    "def dedupe(users):\n    seen = []\n    out = []\n    for u in users:\n        if u.email not in seen:\n            seen.append(u.email)\n            out.append(u)\n    return out\n",
    "std::string* make_name() {\n  std::string name = \"tmp\";\n  return &name;\n}\n",
    "let count = 0;\nbuttons.forEach(b => b.addEventListener('click', async () => {\n  const n = count;\n  await save(n + 1);\n  count = n + 1;\n}));\n",
    "SELECT * FROM patients p, visits v WHERE p.name LIKE '%' || :q || '%';\n",
    "def get_user(db, user_id):\n    return db.execute(f\"SELECT * FROM users WHERE id = {user_id}\").fetchone()\n",
    "public synchronized void add(Item i) {\n    items.add(i);\n    if (items.size() > MAX) items.remove(0);\n}\n",
    "fn parse(s: &str) -> u32 {\n    s.trim().parse().unwrap()\n}\n",
    "while True:\n    try:\n        resp = requests.get(URL, timeout=2)\n        break\n    except Exception:\n        continue\n",
    "if (user.role = 'admin') {\n  grantAccess(user);\n}\n",
    "for k in cache.keys():\n    if expired(cache[k]):\n        del cache[k]\n",
    "CREATE TABLE orders (id int, customer text, total float);\nCREATE INDEX ON orders (customer);\n",
    "const API_KEY = \"sk_live_{key}\";\nfetch(`https://api.example.com/v1/charges?key=${{API_KEY}}`);\n",
    "func (s *Server) Handle(w http.ResponseWriter, r *http.Request) {\n\tgo s.log(r)\n\tdata, _ := io.ReadAll(r.Body)\n\tw.Write(process(data))\n}\n",
    "class Account:\n    rate = 0.05\n    def interest(self, months):\n        return self.balance * (1 + self.rate) ** months\n",
]


def doc_code2(rng):
    parts = [s.replace("{key}", _key(rng, 20)) for s in rng.sample(CODE_SNIPPETS, rng.randint(1, 4))]
    return "code", "\n".join(parts), ["function names", "hard-coded secrets", "SQL queries", "class names"]


def doc_ticket(rng):
    p = Person(rng)
    text = (f"Ticket #{rng.randint(10000, 99999)} - opened by {p.name} <{p.email}>\n"
            f"Priority: {rng.choice(['P1', 'P2', 'P3'])}   Component: {rng.choice(['billing', 'login', 'exports', 'mobile app'])}\n"
            f"Description: since the release on {rng.randint(1, 28)} May, "
            f"{rng.choice(['customers in Germany see double charges', 'exports time out for files over 50 MB', 'users get logged out every 10 minutes', 'the app crashes on Android 12 when opening invoices'])}. "
            f"Affected accounts include {Person(rng).email} and {Person(rng).email}. Workaround: none.\n"
            f"Comments: {Person(rng).first}: can't reproduce on staging. {Person(rng).first}: happens only with SSO users.")
    return "support ticket", text, ["ticket number", "reporter", "affected accounts", "priority", "component"]


def doc_incident(rng):
    t = rng.randint(8, 20)
    steps = [
        f"{t:02d}:02 alert: error rate on checkout above 5%",
        f"{t:02d}:05 on-call ({Person(rng).name}) acknowledges",
        f"{t:02d}:11 rollback of release {rng.randint(100, 999)} started",
        f"{t:02d}:19 rollback done, errors persist",
        f"{t:02d}:26 database CPU at 100%, long-running query from reporting job",
        f"{t:02d}:31 reporting job killed, errors drop",
        f"{t + 1:02d}:10 customer support reports {rng.randint(20, 900)} failed orders",
    ]
    return "incident timeline", "INCIDENT TIMELINE\n" + "\n".join(steps[:rng.randint(4, 7)]), \
        ["on-call engineer", "times", "release number", "number of failed orders"]


def doc_statement_long(rng):
    p = Person(rng)
    merchants = ["Tesco", "Lidl", "Shell", "Netflix", "Amazon Marketplace", "Uber Eats", "Rent", "Council tax",
                 "Gym", "Transfer to J. Smith", "Salary", "Vet clinic", "Pharmacy", "Parking", "Insurance",
                 "Loan repayment", "Childcare", "Electricity", "Mobile phone", "ATM withdrawal"]
    rows = [f"2024-{rng.randint(1, 6):02d}-{rng.randint(1, 28):02d}  {rng.choice(merchants):<22} "
            f"{'+' if rng.random() < .15 else '-'}{rng.randint(2, 3200)}.{rng.randint(0, 99):02d}"
            for _ in range(rng.choice([30, 60, 90]))]
    text = (f"{rng.choice(['Monzo', 'ING', 'Caixa', 'Wells Fargo'])} current account - {p.name}\n"
            f"Sort code / IBAN: {p.account}\n" + "\n".join(rows) + f"\nBalance carried forward {money(rng, 50, 9000)}")
    return "bank statement", text, ["account number", "largest payment", "recurring payments", "salary credits"]


TECH2 = [doc_traceback, doc_k8s, doc_nginx, doc_dockerfile, doc_ci_log, doc_syslog, doc_code2]
OTHER2 = [doc_ticket, doc_incident, doc_statement_long]
ALL2 = TECH2 + OTHER2


def company(rng):
    return rng.choice(COMPANIES)
