"""A tree of Claude Code transcripts written as Claude Code 2.1 writes them, for benchmarks.

projects/<project>/<sessionId>.jsonl, and subagents' files beside them
(<sessionId>/subagents/agent-<id>.jsonl). As in real transcripts, most bytes are text
(prompts, thinking and its signature, answers, tool inputs, files read, command output,
the original file an edit changed, often twice: in the message and in toolUseResult),
and most lines carry no usage (tool results, progress, file-history snapshots). A
request is written once per content block, output_tokens growing while it streams; a
side chain replays some; a Task's subagent writes its own file, and its requests are
repeated in progress lines of the parent's file. Now and then a synthetic or an API
error record. Lines are compact JSON in UTF-8, as the real files are.
"""

import json
import random
import string
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

START = datetime(2026, 9, 1, tzinfo=timezone.utc)
DAYS = 60
MODELS = ["claude-sonnet-4-5-20250929", "claude-opus-4-5-20251101", "claude-haiku-4-5-20251001"]
WORDS = ("def return self if else for in import from class the a to of and is that "
         "value result data path file line error None True False print len range "
         "config session token request model usage count total time open read write "
         "élan naïve → ✓ — “quoted” 日本 ").split()
PUNCT = ['"', "'", "\\", "\t", "{", "}", "(", ")", ":", ",", ".", "=", "<", ">", "/"]
BASE62 = string.ascii_letters + string.digits
TOOLS = ["Bash", "Read", "Edit", "Write", "Grep", "Glob", "TodoWrite", "Task"]
TOOL_WEIGHTS = [30, 30, 15, 5, 8, 5, 4, 3]


def dumps(record):
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


class Pool:
    """Text to slice from: code and prose with quotes, backslashes, tabs and newlines."""

    def __init__(self, rng, size=2_000_000):
        parts, length = [], 0
        while length < size:
            line = " " * rng.choice((0, 0, 4, 8, 12)) + " ".join(
                rng.choice(WORDS) + (rng.choice(PUNCT) if rng.random() < 0.3 else "")
                for _ in range(rng.randint(2, 14)))
            parts.append(line)
            length += len(line) + 1
        self.text = "\n".join(parts)
        self.rng = rng

    def take(self, length):
        length = min(max(1, int(length)), len(self.text) // 2)
        at = self.rng.randrange(0, len(self.text) - length)
        return self.text[at:at + length]


class Writer:
    """Writes sessions; keeps the count of bytes written."""

    def __init__(self, root, seed=11):
        self.root = Path(root)
        self.rng = random.Random(seed)
        self.pool = Pool(self.rng)
        self.bytes = 0
        self.files = 0

    # ids as Claude Code and the API name them
    def uuid(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def ident(self, prefix, length):
        return prefix + "".join(self.rng.choices(BASE62, k=length))

    def lognormal(self, median, sigma, low, high):
        return min(high, max(low, self.rng.lognormvariate(0, sigma) * median))

    def write(self, path, lines, mode="w"):
        path.parent.mkdir(parents=True, exist_ok=True)
        data = "".join(line + "\n" for line in lines).encode()
        with open(path, mode + "b") as f:
            f.write(data)
        self.bytes += len(data)
        if mode == "w":
            self.files += 1
        return len(data)

    def tree(self, size_bytes, projects=40):
        """Sessions until about `size_bytes` are written; returns the main session files."""
        names = [f"-home-ann-{self.pool.take(8).strip() or 'x'}-{n}" for n in range(projects)]
        names = ["".join(c if c.isalnum() or c == "-" else "-" for c in n) for n in names]
        sessions = []
        while self.bytes < size_bytes:
            project = self.rng.choice(names)
            session = Session(self, project, START + timedelta(
                seconds=self.rng.uniform(0, DAYS * 86400)))
            target = self.lognormal(60_000, 1.2, 2_000, 6_000_000)
            path = self.root / "projects" / project / f"{session.id}.jsonl"
            self.write(path, session.lines(target))
            for agent_id, lines in session.subagents:
                self.write(self.root / "projects" / project / session.id / "subagents"
                           / f"agent-{agent_id}.jsonl", lines)
            sessions.append((path, session))
        return sessions

    def grow(self, path, session, size_bytes):
        """Append about `size_bytes` of new turns (no subagents) to one session's file."""
        session.subagents = []
        session.allow_tasks = False
        session.clock += timedelta(hours=2)
        return self.write(path, session.lines(size_bytes), mode="a")


class Session:
    """One Claude Code session: turns of a prompt, requests, tool calls and their results."""

    def __init__(self, writer, project, started):
        self.w = writer
        self.rng = writer.rng
        self.id = writer.uuid()
        self.cwd = "/home/ann/" + project.rsplit("-", 2)[-2]
        self.branch = writer.rng.choice(["main", "main", "feature/agents", "HEAD"])
        self.model = writer.rng.choice(MODELS)
        self.clock = started
        self.parent = None
        self.subagents = []
        self.allow_tasks = True
        self.replayable = []

    def stamp(self, seconds):
        self.clock += timedelta(seconds=seconds)
        return self.clock.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.clock.microsecond // 1000:03d}Z"

    def base(self, kind, sidechain=False, agent=None):
        record = {"parentUuid": self.parent, "isSidechain": sidechain, "userType": "external",
                  "cwd": self.cwd, "sessionId": self.id, "version": "2.1.3",
                  "gitBranch": self.branch, "slug": "quiet-river-stone"}
        if agent:
            record["agentId"] = agent
        record["type"] = kind
        self.parent = self.w.uuid()
        return record

    def lines(self, target):
        out, size = [], 0
        if self.rng.random() < 0.5:
            out.append(dumps({"type": "summary", "summary": self.w.pool.take(60),
                              "leafUuid": self.w.uuid()}))
        while size < target:
            turn = self.turn()
            out.extend(turn)
            size += sum(len(line) + 1 for line in turn)
        return out

    def turn(self, sidechain=False, agent=None):
        pool, rng = self.w.pool, self.rng
        out = []
        self.clock += timedelta(seconds=rng.uniform(20, 900))
        if not sidechain:
            message_id = self.w.uuid()
            out.append(dumps({"type": "file-history-snapshot", "messageId": message_id,
                              "snapshot": {"messageId": message_id, "trackedFileBackups": {
                                  f"src/{pool.take(6).strip()}.py": {
                                      "backupFileName": self.w.ident("", 16) + "@v2",
                                      "version": 2, "backupTime": self.stamp(0)}},
                                  "timestamp": self.stamp(0)}, "isSnapshotUpdate": False}))
        prompt = self.base("user", sidechain, agent)
        prompt["message"] = {"role": "user", "content": pool.take(
            self.w.lognormal(300, 1.2, 10, 20_000))}
        prompt.update({"uuid": self.parent, "timestamp": self.stamp(1)})
        out.append(dumps(prompt))
        for _ in range(rng.randint(1, 9)):
            out.extend(self.request(sidechain, agent))
        system = self.base("system", sidechain, agent)
        system.update({"subtype": "turn_duration", "durationMs": rng.randint(2_000, 600_000),
                       "isMeta": False, "uuid": self.parent, "timestamp": self.stamp(0.2)})
        out.append(dumps(system))
        return out

    def usage(self, output):
        write = self.rng.choice((0, 0, self.rng.randint(100, 8000)))
        usage = {"input_tokens": self.rng.randint(1, 12), "cache_creation_input_tokens": write,
                 "cache_read_input_tokens": self.rng.randint(8_000, 160_000),
                 "cache_creation": {"ephemeral_5m_input_tokens": 0,
                                    "ephemeral_1h_input_tokens": write},
                 "output_tokens": output, "service_tier": "standard"}
        return usage

    def request(self, sidechain=False, agent=None):
        """One model request: a line per content block, then the tool calls' results."""
        pool, rng, w = self.w.pool, self.rng, self.w
        blocks = []
        if rng.random() < 0.5:
            blocks.append({"type": "thinking", "thinking": pool.take(w.lognormal(600, 1, 20, 8000)),
                           "signature": w.ident("Eo", int(w.lognormal(900, 0.5, 200, 4000)))})
        if rng.random() < 0.7:
            blocks.append({"type": "text", "text": pool.take(w.lognormal(400, 1.1, 5, 10_000))})
        tools = []
        for _ in range(rng.choice((0, 1, 1, 1, 2, 3))):
            name = rng.choices(TOOLS, TOOL_WEIGHTS)[0]
            if name == "Task" and (sidechain or not self.allow_tasks):
                name = "Read"
            tools.append(name)
            blocks.append({"type": "tool_use", "id": w.ident("toolu_01", 22), "name": name,
                           "input": self.tool_input(name)})
        if not blocks:
            blocks.append({"type": "text", "text": pool.take(40)})
        final = int(w.lognormal(300, 1, 1, 30_000))
        usage = self.usage(final)
        message_id, request_id = w.ident("msg_01", 22), w.ident("req_011C", 17)
        model = self.model
        roll = rng.random()
        if roll < 0.006:  # an error or a message of Claude Code's own: no tokens
            model, final, blocks = "<synthetic>", 0, [{"type": "text", "text": pool.take(80)}]
            tools = []
            usage = {k: 0 for k in ("input_tokens", "output_tokens",
                                    "cache_creation_input_tokens", "cache_read_input_tokens")}
        out, assistant_lines = [], []
        for n, block in enumerate(blocks):
            streaming = dict(usage, output_tokens=final if n == len(blocks) - 1
                             else rng.randint(1, max(1, final // 2)))
            record = self.base("assistant", sidechain, agent)
            record["message"] = {"model": model, "id": message_id, "type": "message",
                                 "role": "assistant", "content": [block], "stop_reason": None,
                                 "stop_sequence": None, "usage": streaming}
            record.update({"requestId": request_id, "uuid": self.parent,
                           "timestamp": self.stamp(rng.uniform(0.5, 20))})
            if roll < 0.003:
                record["isApiErrorMessage"] = True
            assistant_lines.append(record)
            out.append(dumps(record))
        if not sidechain and rng.random() < 0.03:
            self.replayable.append(assistant_lines[-1])
        if not sidechain and self.replayable and rng.random() < 0.02:
            # An old-style side chain replays a request already written.
            copy = dict(self.replayable.pop(0), isSidechain=True, uuid=self.w.uuid(),
                        timestamp=self.stamp(1))
            out.append(dumps(copy))
        for block, name in zip([b for b in blocks if b["type"] == "tool_use"], tools,
                               strict=True):
            out.extend(self.tool_result(block, name, sidechain, agent))
        return out

    def tool_input(self, name):
        pool, w = self.w.pool, self.w
        path = f"{self.cwd}/src/{pool.take(10).strip().replace(' ', '_')}.py"
        if name == "Bash":
            return {"command": pool.take(w.lognormal(80, 0.8, 5, 2000)),
                    "description": pool.take(40)}
        if name == "Read":
            return {"file_path": path}
        if name == "Edit":
            return {"file_path": path, "old_string": pool.take(w.lognormal(300, 1, 5, 6000)),
                    "new_string": pool.take(w.lognormal(350, 1, 5, 6000))}
        if name == "Write":
            return {"file_path": path, "content": pool.take(w.lognormal(3000, 1, 50, 60_000))}
        if name == "TodoWrite":
            return {"todos": [{"content": pool.take(60), "status": "pending",
                               "activeForm": pool.take(40)} for _ in range(4)]}
        if name == "Task":
            return {"description": pool.take(30), "prompt": pool.take(800),
                    "subagent_type": "general-purpose"}
        return {"pattern": pool.take(20), "path": self.cwd}

    def tool_result(self, block, name, sidechain, agent):
        pool, w, rng = self.w.pool, self.w, self.rng
        out = []
        for event in ("PreToolUse", "PostToolUse"):
            hook = self.base("progress", sidechain, agent)
            hook.update({"data": {"type": "hook_progress", "hookEvent": event,
                                  "hookName": f"{event}:{name}", "command": "callback"},
                         "parentToolUseID": block["id"], "toolUseID": block["id"],
                         "uuid": self.parent, "timestamp": self.stamp(0.05)})
            out.append(dumps(hook))
        if name == "Bash":
            for _ in range(rng.randint(0, 4)):
                progress = self.base("progress", sidechain, agent)
                shown = pool.take(w.lognormal(300, 1, 10, 4000))
                progress.update({"data": {"type": "bash_progress", "output": shown,
                                          "fullOutput": shown, "elapsedTimeSeconds": 2,
                                          "totalLines": shown.count("\n")},
                                 "toolUseID": block["id"], "parentToolUseID": block["id"],
                                 "uuid": self.parent, "timestamp": self.stamp(2)})
                out.append(dumps(progress))
        if name == "Task":
            out.extend(self.subagent(block["id"]))
        size = {"Read": (4000, 1, 50, 120_000), "Bash": (800, 1.3, 0, 60_000),
                "Edit": (200, 0.5, 20, 2000), "Write": (100, 0.3, 20, 400),
                "Task": (1500, 1, 50, 20_000)}.get(name, (300, 1, 10, 8000))
        content = pool.take(w.lognormal(*size))
        result = self.base("user", sidechain, agent)
        result["message"] = {"role": "user", "content": [
            {"tool_use_id": block["id"], "type": "tool_result", "content": content,
             "is_error": rng.random() < 0.05}]}
        result.update({"uuid": self.parent, "timestamp": self.stamp(rng.uniform(0.1, 30))})
        if name == "Read":
            result["toolUseResult"] = {"type": "text", "file": {
                "filePath": block["input"]["file_path"], "content": content,
                "numLines": content.count("\n") + 1, "startLine": 1,
                "totalLines": content.count("\n") + 1}}
        elif name == "Bash":
            result["toolUseResult"] = {"stdout": content, "stderr": "", "interrupted": False,
                                       "isImage": False}
        elif name == "Edit":
            original = pool.take(w.lognormal(6000, 1, 100, 150_000))
            result["toolUseResult"] = {
                "filePath": block["input"]["file_path"],
                "oldString": block["input"]["old_string"],
                "newString": block["input"]["new_string"], "originalFile": original,
                "structuredPatch": [{"oldStart": 10, "oldLines": 3, "newStart": 10,
                                     "newLines": 4, "lines": pool.take(400).split("\n")}],
                "userModified": False, "replaceAll": False}
        elif name == "Task":
            result["toolUseResult"] = {
                "status": "completed", "prompt": block["input"]["prompt"],
                "agentId": self.subagents[-1][0] if self.subagents else "0",
                "content": [{"type": "text", "text": content}], "totalDurationMs": 91_000,
                "totalTokens": 51_000, "totalToolUseCount": 7,
                "usage": self.usage(900)}  # "usage" outside any message: not a request
        out.append(dumps(result))
        return out

    def subagent(self, tool_use_id):
        """A Task's subagent: its own file, and each request repeated in a progress line."""
        agent_id = self.w.ident("", 7).lower()
        child = Session(self.w, "-x-" + self.cwd.rsplit("/", 1)[-1] + "-0", self.clock)
        child.id, child.cwd, child.branch, child.model = self.id, self.cwd, self.branch, self.model
        lines = []
        progress = []
        for _ in range(self.rng.randint(1, 3)):
            turn = child.turn(sidechain=True, agent=agent_id)
            lines.extend(turn)
            for line in turn:
                if '"type":"assistant"' in line and self.rng.random() < 0.6:
                    inner = json.loads(line)
                    record = self.base("progress")
                    record.update({
                        "data": {"type": "agent_progress", "prompt": self.w.pool.take(200),
                                 "agentId": agent_id,
                                 "message": {"type": "assistant", "message": inner["message"],
                                             "requestId": inner["requestId"],
                                             "timestamp": inner["timestamp"]}},
                        "toolUseID": tool_use_id, "parentToolUseID": tool_use_id,
                        "uuid": self.parent, "timestamp": inner["timestamp"]})
                    progress.append(dumps(record))
        self.clock = max(self.clock, child.clock)
        self.subagents.append((agent_id, lines))
        return progress
