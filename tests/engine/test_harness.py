"""The engine suite's own parsing, checked without an engine: python3 -m unittest discover -s tests/engine"""

import shutil
import unittest

import buildfeat
import corpus
import example
import lockfiles
import machine
import promises
import run
import standins

MULTI_STAGE = """\
# a comment
ARG PY=3.12
FROM python:${PY}-slim AS builder
RUN pip install --no-cache-dir -r requirements.txt
FROM python:3.12-slim AS runtime
COPY --from=builder /opt/venv /opt/venv
FROM runtime AS debug
RUN pip install debugpy
FROM runtime
"""

PLAIN_PROGRESS = """\
#1 [internal] load build definition from Dockerfile
#5 [builder 3/4] COPY requirements.txt ./
#5 CACHED
#6 [builder 4/4] RUN pip install --no-cache-dir -r requirements.txt
#6 CACHED
#9 [runtime 5/6] COPY app.py ./app.py
#9 DONE 0.1s
"""


class Families(unittest.TestCase):
    """Examples that share a base image, directly or through another member, run one after another."""

    class Fake:
        def __init__(self, name, images):
            self.name, self.images = name, images

        def base_images(self):
            return self.images

    def test_shared_images_join_families_transitively(self):
        fake = self.Fake
        found = [fake("py1", ["python:3.12-slim"]), fake("go", ["golang:1", "distroless/static"]),
                 fake("py2", ["python:3.12-slim", "debian:slim"]), fake("deb", ["debian:slim"]),
                 fake("rs", ["rust:1"])]
        names = [[e.name for e in family] for family in run.families(found)]
        self.assertEqual(names, [["py1", "py2", "deb"], ["go"], ["rs"]])

    def test_no_examples_no_families(self):
        self.assertEqual(run.families([]), [])

    def test_the_own_image_joins_the_family_sharing_its_build_image(self):
        fake = self.Fake
        grouped = run.families([fake("py", ["python:3.12-slim"]), fake("rs", ["rust:1.90-slim-bookworm", "cc"]),
                                fake("rs2", ["rust:1.90-slim-bookworm"])])
        own = "FROM rust:1.90-slim-bookworm AS build\nRUN cargo build\nFROM distroless/cc:nonroot\n"
        self.assertEqual([e.name for e in grouped[run.own_image_family(grouped, own)]], ["rs", "rs2"])
        self.assertIsNone(run.own_image_family([[fake("py", ["python:3.12-slim"])]], own))


class DockerfileParsing(unittest.TestCase):
    def test_base_images_apply_arg_defaults_and_skip_stages(self):
        self.assertEqual(example.base_images(MULTI_STAGE), ["python:3.12-slim"])

    def test_final_base_follows_stage_aliases(self):
        self.assertEqual(example.final_base(MULTI_STAGE), "python:3.12-slim")
        self.assertIsNone(example.final_base("FROM golang:1.25-bookworm AS build\nFROM scratch\n"))

    def test_syntax_directive_and_digest_are_recognized(self):
        self.assertTrue(example.SYNTAX_DIRECTIVE.match("# syntax=docker/dockerfile:1\nFROM x\n"))
        pinned = "FROM python:3.12-slim@sha256:" + "a" * 64 + " AS builder\n"
        self.assertEqual(example.FROM_DIGEST.sub(r"\1", pinned), "FROM python:3.12-slim AS builder\n")


class BuildOutput(unittest.TestCase):
    def test_steps_and_cache_hits(self):
        self.assertEqual(promises.build_steps(PLAIN_PROGRESS), [
            ("COPY requirements.txt ./", True),
            ("RUN pip install --no-cache-dir -r requirements.txt", True),
            ("COPY app.py ./app.py", False),
        ])


class Permissions(unittest.TestCase):
    def entry(self, uid, gid, mode):
        return promises.Entry("/app/x", uid, gid, mode, False, False)

    def test_writable_by(self):
        self.assertFalse(promises._writable_by(self.entry(0, 0, 0o644), 999, {999}))
        self.assertTrue(promises._writable_by(self.entry(0, 999, 0o664), 999, {999}))
        self.assertTrue(promises._writable_by(self.entry(0, 0, 0o646), 999, {999}))
        self.assertTrue(promises._writable_by(self.entry(999, 999, 0o644), 999, {999}))

    def test_topmost_paths(self):
        paths = ["/app/.git", "/app/.git/HEAD", "/root/.cache/pip", "/root/.cache/pip/http"]
        self.assertEqual(promises._topmost(paths), ["/app/.git", "/root/.cache/pip"])


class AptSources(unittest.TestCase):
    def test_deb822_and_one_line(self):
        deb822 = ("Types: deb\nURIs: http://mirror.invalid/debian\nSuites: bookworm bookworm-updates\n"
                  "Components: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n"
                  "Types: deb-src\nURIs: http://mirror.invalid/debian\nSuites: bookworm\nComponents: main\n")
        parsed = machine._parse_deb822(deb822)
        self.assertEqual(len(parsed), 1)
        self.assertEqual(parsed[0].suites, ("bookworm", "bookworm-updates"))
        line = machine._parse_one_line("deb [arch=amd64] http://mirror.invalid/debian bookworm main contrib\n")
        self.assertEqual((line[0].uri, line[0].components), ("http://mirror.invalid/debian", ("main", "contrib")))


class Recipes(unittest.TestCase):
    def test_known_and_unknown_images(self):
        self.assertEqual(standins.find_recipe("python:3.12-slim")[0].family, "python")
        self.assertEqual(standins.find_recipe("docker.io/library/python:3.12-slim")[1]["version"], "3.12")
        self.assertEqual(standins.find_recipe("postgres:17")[0].family, "postgres")
        self.assertIsNone(standins.find_recipe("mcr.microsoft.com/mssql/server:2022-latest"))


class ClosestRelease(unittest.TestCase):
    """Each stand-in takes the Debian release whose toolchain is closest to the tag (a tie: the newer)."""

    def release(self, tag):
        return standins.find_recipe(tag)[1]["release"]

    def test_python_and_node_follow_the_version_not_the_suffix(self):
        self.assertEqual(self.release("python:3.12-slim"), "trixie")
        self.assertEqual(self.release("python:3.13-slim-bookworm"), "trixie")
        self.assertEqual(self.release("python:3.11-slim"), "bookworm")
        self.assertEqual(self.release("python:3.10-slim"), "bookworm")
        self.assertEqual(self.release("node:22-slim"), "trixie")
        self.assertEqual(self.release("node:20-bookworm-slim"), "trixie")
        self.assertEqual(self.release("node:18-slim"), "bookworm")

    def test_services(self):
        self.assertEqual(self.release("postgres:17"), "trixie")
        self.assertEqual(self.release("postgres:15-alpine"), "bookworm")
        self.assertEqual(self.release("redis:7-alpine"), "bookworm")
        self.assertEqual(self.release("redis:8"), "trixie")
        self.assertEqual(self.release("mariadb:11.4"), "trixie")
        self.assertEqual(self.release("mariadb:10.11"), "bookworm")
        self.assertEqual(standins.find_recipe("mysql:8.0")[0].family, "mariadb")
        self.assertIn("mysql 8.0", standins.find_recipe("mysql:8.0")[0].note.format(**standins.find_recipe("mysql:8.0")[1]))

    def test_linked_toolchains_keep_the_tags_release(self):
        self.assertEqual(self.release("golang:1.25-bookworm"), "bookworm")
        self.assertEqual(self.release("rust:1.90-slim-trixie"), "trixie")
        self.assertEqual(self.release("gcr.io/distroless/cc-debian13:nonroot"), "trixie")
        self.assertEqual(self.release("debian:bookworm-slim"), "bookworm")

    def test_parent_is_the_chosen_releases_debian(self):
        recipe, groups = standins.find_recipe("python:3.12-slim")
        self.assertEqual(recipe.parent.format(**groups), "debian:trixie-slim")
        recipe, groups = standins.find_recipe("debian:trixie-slim")
        self.assertEqual(recipe.parent.format(**groups), "dgen-standin/rootfs:trixie")


class ReleaseSources(unittest.TestCase):
    def test_suites_are_renamed_for_the_other_release(self):
        sources = [machine.AptSource("http://mirror.invalid/debian", ("bookworm", "bookworm-updates"), ("main",)),
                   machine.AptSource("http://mirror.invalid/debian-security", ("bookworm-security",), ("main",))]
        original = machine.debian_sources
        machine.debian_sources = lambda codename: sources
        try:
            moved = machine.debian_sources_for("trixie", "bookworm")
        finally:
            machine.debian_sources = original
        self.assertEqual([s.suites for s in moved], [("trixie", "trixie-updates"), ("trixie-security",)])
        self.assertEqual([s.uri for s in moved], [s.uri for s in sources])


class ComposePorts(unittest.TestCase):
    def test_fixed_loopback_host_ports_are_left_to_the_engine(self):
        text = '    ports:\n      - "127.0.0.1:8000:8000"\n      - \'127.0.0.1:5678:5678/tcp\'\n      - "9000:9000"\n'
        new = example.FIXED_HOST_PORT.sub(lambda m: f'"{m[2]}::{m[4]}{m[5]}"', text)
        self.assertIn('"127.0.0.1::8000"', new)
        self.assertIn('"127.0.0.1::5678/tcp"', new)
        self.assertIn('"9000:9000"', new)  # not a loopback binding: left as written

    def test_debug_port_is_the_container_port(self):
        self.assertEqual(promises.debug_port('ports:\n  - "127.0.0.1::5678"\n'), 5678)
        self.assertEqual(promises.debug_port('ports:\n  - "127.0.0.1:5679:5678"\n'), 5678)


class Corpus(unittest.TestCase):
    def write(self, text):
        import tempfile
        from pathlib import Path
        directory = Path(tempfile.mkdtemp(prefix="dgen-corpus-test-"))
        self.addCleanup(shutil.rmtree, directory, True)
        (directory / "corpus.toml").write_text(text)
        return directory / "corpus.toml"

    def test_spec_defaults_and_values(self):
        spec = corpus.CorpusSpec.load(self.write('page = "/books/1"\ncontains = "Dune"\nenv = { A = "1" }\n'))
        self.assertEqual((spec.page, spec.status, spec.contains, spec.env), ("/books/1", 200, "Dune", {"A": "1"}))

    def test_bad_specs_are_harness_errors(self):
        for text in ('pgae = "/"\n', 'page = "books"\n', 'status = 9999\n', 'env = { "A B" = "1" }\n',
                     'page = [\n'):
            with self.assertRaises(corpus.CorpusError, msg=text):
                corpus.CorpusSpec.load(self.write(text))

    def test_build_context_from_compose_config(self):
        from pathlib import Path
        config = ("services:\n  db:\n    image: postgres:17\n  web:\n    build:\n"
                  "      context: /tmp/x/ws\n      dockerfile: services/api/Dockerfile\n    image: t\n")
        context, dockerfile = corpus.build_context(config, "web", Path("/tmp/x/ws/services/api"))
        self.assertEqual(context, Path("/tmp/x/ws"))
        self.assertEqual(dockerfile, Path("/tmp/x/ws/services/api/Dockerfile"))
        context, dockerfile = corpus.build_context("services:\n  web:\n    image: t\n", "web", Path("/a"))
        self.assertEqual((context, dockerfile), (Path("/a"), Path("/a/Dockerfile")))

    def test_the_repositorys_corpus_is_valid(self):
        from pathlib import Path
        apps = corpus.discover(Path(__file__).resolve().parents[1] / "corpus", [])
        self.assertGreaterEqual(len(apps), 12)
        for app in apps:
            self.assertTrue(app.spec.shape, f"{app.name}: corpus.toml says what it is shaped after")

    def test_mongo_is_blocked_and_other_images_are_not(self):
        for image in ("mongo:8", "mongo:7.0", "docker.io/library/mongo:8", "mongo@sha256:" + "a" * 64):
            self.assertIn("MongoDB", corpus.unavailable(image) or "", image)
        for image in ("postgres:17", "mariadb:11", "redis:7", "mongo-express:1", "mymongo:1"):
            self.assertIsNone(corpus.unavailable(image), image)

    def test_blocked_apps_are_never_counted_healthy(self):
        from pathlib import Path
        app = corpus.CorpusApp("a", Path("/nonexistent"), corpus.CorpusSpec())
        ok = corpus.CorpusResult(app)
        failed = corpus.CorpusResult(app, stage="build", reason="x")
        blocked = corpus.CorpusResult(app, stage="up", reason="no MongoDB", blocked=True)
        self.assertFalse(blocked.ok)
        self.assertEqual(corpus.figure([ok, failed, blocked]),
                         "corpus: 1 of 3 corpus apps healthy on the first try (1 blocked by this machine, 1 failed)")
        self.assertEqual(corpus.figure([ok, failed]), "corpus: 1 of 2 corpus apps healthy on the first try")

    def test_discover_refuses_generated_files_and_missing_specs(self):
        import tempfile
        from pathlib import Path
        root = Path(tempfile.mkdtemp(prefix="dgen-corpus-test-"))
        self.addCleanup(shutil.rmtree, root, True)
        (root / "app").mkdir()
        with self.assertRaises(corpus.CorpusError):
            corpus.discover(root, [])
        (root / "app" / "corpus.toml").write_text('page = "/"\n')
        self.assertEqual([a.name for a in corpus.discover(root, [])], ["app"])
        (root / "app" / "Dockerfile").write_text("FROM scratch\n")
        with self.assertRaises(corpus.CorpusError):
            corpus.discover(root, [])


class EveryExampleIsBuiltOrSaysWhyNot(unittest.TestCase):
    def test_every_base_image_of_a_built_example_has_a_stand_in(self):
        from pathlib import Path
        examples_dir = Path(__file__).resolve().parents[2] / "examples"
        built = example.discover(examples_dir, [])
        self.assertTrue(built)
        for ex in built:
            for image in ex.base_images():
                with self.subTest(example=ex.name, image=image):
                    self.assertIsNotNone(standins.find_recipe(image),
                                         f"{ex.name}: no stand-in for {image}; add one, or the stack to "
                                         "example.NOT_BUILDABLE_HERE with the reason")

    def test_dotnet_and_java_are_judged_only_with_a_reason(self):
        for stack in ("java", "dotnet"):
            self.assertIn("judges", example.NOT_BUILDABLE_HERE[stack])


class PostgresEntrypoint(unittest.TestCase):
    def test_the_cluster_is_utf8_like_the_official_images(self):
        initdb = [line for line in standins.POSTGRES_ENTRYPOINT if "initdb " in line]
        self.assertEqual(len(initdb), 1)
        self.assertIn("--encoding=UTF8", initdb[0])
        self.assertIn("--locale=C.UTF-8", initdb[0])

    def test_the_script_parses(self):
        import subprocess
        script = "\n".join(standins.POSTGRES_ENTRYPOINT)
        self.assertEqual(subprocess.run(["sh", "-n", "-c", script]).returncode, 0)


class MariadbEntrypoint(unittest.TestCase):
    """The stand-in's entrypoint quotes the MARIADB_*/MYSQL_* values into SQL: hostile values stay values."""

    def sql_for(self, function, value):
        import subprocess
        helpers = "\n".join(line for line in standins.MARIADB_ENTRYPOINT
                              if line.startswith(("literal()", "ident()", "sql()")))
        script = f'{helpers}\nsql "X $({function} "$1");"'
        return subprocess.run(["sh", "-c", script, "sh", value], capture_output=True, text=True, check=True).stdout

    def test_string_literals_escape_quotes_and_backslashes(self):
        self.assertEqual(self.sql_for("literal", "r00t'x\\y"), "X 'r00t\\'x\\\\y';\n")
        self.assertEqual(self.sql_for("literal", "a\\nb"), "X 'a\\\\nb';\n")

    def test_identifiers_double_backticks(self):
        self.assertEqual(self.sql_for("ident", "my`db; DROP"), "X `my``db; DROP`;\n")

    def test_the_script_parses(self):
        import subprocess
        script = "\n".join(standins.MARIADB_ENTRYPOINT)
        self.assertEqual(subprocess.run(["sh", "-n", "-c", script]).returncode, 0)


class CacheMountVariants(unittest.TestCase):
    """The "without" Dockerfile of the cache proofs: no cache mount left, each installer told not to
    keep a cache, everything else (a secret mount included) as generated."""

    def variant(self, example_name):
        from pathlib import Path
        text = (Path(__file__).resolve().parents[2] / "examples" / example_name / "Dockerfile").read_text()
        return text, buildfeat.without_cache_mounts(text)

    def test_each_package_managers_example(self):
        for manager, case in buildfeat.CACHE_CASES.items():
            with self.subTest(manager):
                generated, without = self.variant(case.example)
                self.assertIn("--mount=type=cache", generated)
                self.assertNotIn("--mount=type=cache", without)
                self.assertEqual(without.count("FROM "), generated.count("FROM "))
        self.assertIn("uv sync --no-cache --frozen", self.variant("fastapi-uv")[1])
        self.assertIn("pip install --no-cache-dir uv==", self.variant("fastapi-uv")[1])
        self.assertIn("poetry install --no-cache --only main", self.variant("django-poetry")[1])
        self.assertIn("RUN python -m venv /opt/venv \\\n    && pip install --no-cache-dir --no-compile -r requirements.txt",
                      self.variant("flask-pip")[1])
        self.assertIn("pip install --no-cache-dir debugpy", self.variant("flask-pip")[1])  # not twice

    def test_a_secret_mount_stays(self):
        text = ("RUN --mount=type=cache,target=/root/.npm \\\n"
                "    --mount=type=secret,id=npmrc,target=/root/.npmrc,required=true \\\n"
                "    npm ci --omit=dev\n")
        self.assertEqual(buildfeat.without_cache_mounts(text),
                         "RUN --mount=type=secret,id=npmrc,target=/root/.npmrc,required=true \\\n    npm ci --omit=dev\n")

    def test_pip_dependency_is_appended_on_its_own_line(self):
        import tempfile
        from pathlib import Path
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "requirements.txt").write_text("flask==3.1.2")  # no final newline
            lockfiles.add_dependency(Path(tmp), "pip", "", lockfiles.Tools(Path(tmp)), "requests==2.32.3")
            self.assertEqual((Path(tmp) / "requirements.txt").read_text(), "flask==3.1.2\nrequests==2.32.3\n")
            with self.assertRaises(ValueError):
                lockfiles.add_dependency(Path(tmp), "pipenv", "", lockfiles.Tools(Path(tmp)), "x==1")


class PrivateRegistries(unittest.TestCase):
    def test_verdaccio_config_needs_a_user_and_has_no_uplink(self):
        from pathlib import Path
        registry = buildfeat.PrivateNpmRegistry(Path("/nonexistent/work"), None)
        config = registry.config(max_users=1)
        self.assertIn("uplinks: {}\n", config)
        self.assertNotIn("proxy:", config)
        self.assertEqual(config.count("access: $authenticated"), 2)
        self.assertEqual(config.count("publish: $authenticated"), 2)
        self.assertIn(f"listen: 127.0.0.1:{registry.port}\n", config)
        self.assertIn("max_users: 1\n", config)

    def test_npmrc_scopes_the_registry_and_its_token(self):
        from pathlib import Path
        registry = buildfeat.PrivateNpmRegistry(Path("/nonexistent/work"), None)
        self.assertEqual(registry.npmrc("tok"),
                         f"@dgen-proof:registry=http://127.0.0.1:{registry.port}/\n"
                         f"//127.0.0.1:{registry.port}/:_authToken=tok\n")
        self.assertNotEqual(registry.password, buildfeat.PrivateNpmRegistry(Path("/x"), None).password)

    def test_leak_search_opens_each_layer(self):
        import io
        import tarfile

        def tar_of(files):
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w") as tar:
                for name, data in files.items():
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
            return buffer.getvalue()

        import gzip
        layer = tar_of({"root/.npmrc": b"//h/:_authToken=s3cret\n", "app/x.js": b"ok"})
        zipped = gzip.compress(tar_of({"etc/token": b"pw-123"}))  # a compressed OCI blob: the raw bytes hide it
        self.assertNotIn(b"pw-123", zipped)
        saved = tar_of({"abc/layer.tar": layer, "blobs/sha256/0f": zipped, "manifest.json": b"[]",
                        "config.json": b'{"env": "pw-123"}'})
        self.assertEqual(buildfeat._tar_layers_holding(saved, "s3cret"), ["abc/layer.tar:root/.npmrc"])
        self.assertEqual(buildfeat._tar_layers_holding(saved, "pw-123", "s3cret"),
                         ["abc/layer.tar:root/.npmrc", "blobs/sha256/0f:etc/token", "config.json"])
        self.assertEqual(buildfeat._tar_layers_holding(saved, "absent"), [])


if __name__ == "__main__":
    unittest.main()


class RubyStandIns(unittest.TestCase):
    """`ruby:<v>` (build) and `ruby:<v>-slim` (final) stand-ins: Debian's Ruby closest to the tag."""

    def recipe(self, tag):
        found = standins.find_recipe(tag)
        self.assertIsNotNone(found, tag)
        recipe, groups = found
        return recipe.family, groups["release"], recipe.parent.format(**groups)

    def test_full_and_slim_tags(self):
        self.assertEqual(self.recipe("ruby:3.3"), ("ruby", "trixie", "ruby:3.3-slim"))
        self.assertEqual(self.recipe("ruby:3.3-slim"), ("ruby-slim", "trixie", "debian:trixie-slim"))
        self.assertEqual(self.recipe("docker.io/library/ruby:3.3.6-slim"),
                         ("ruby-slim", "trixie", "debian:trixie-slim"))
        self.assertEqual(self.recipe("ruby:3.1-bookworm"), ("ruby", "bookworm", "ruby:3.1-slim"))
        self.assertEqual(self.recipe("ruby:3.1.6-slim-bookworm"), ("ruby-slim", "bookworm", "debian:bookworm-slim"))

    def test_the_version_decides_the_release_not_the_suffix(self):
        self.assertEqual(self.recipe("ruby:3.3-slim-bookworm")[1], "trixie")
        self.assertEqual(self.recipe("ruby:3.4-bookworm")[1], "trixie")
        self.assertEqual(self.recipe("ruby:3.0-slim-trixie")[1], "bookworm")
        self.assertEqual(self.recipe("ruby:3.2")[1], "trixie")  # a tie (3.1 and 3.3): the newer release
        self.assertEqual(self.recipe("ruby:2.7-slim")[1], "trixie")

    def test_tags_without_a_stand_in(self):
        for tag in ("ruby:3.3-alpine", "ruby:latest", "ruby:slim", "ruby:3.3-slim-bullseye", "ruby:3.3-bullseye",
                    "jruby:9.4", "ruby:3.3-slim-trixie-extra"):
            with self.subTest(tag):
                self.assertIsNone(standins.find_recipe(tag))

    def test_notes_name_the_ruby_that_stands_in(self):
        for tag, ruby in (("ruby:3.3", "Ruby 3.3 and Bundler stand in for Ruby 3.3"),
                          ("ruby:3.1-slim", "Ruby 3.1 and Bundler stand in for Ruby 3.1")):
            recipe, groups = standins.find_recipe(tag)
            self.assertIn(ruby, recipe.note.format(**groups))

    def test_the_official_images_environment(self):
        slim = standins.find_recipe("ruby:3.3-slim")[0].steps
        for setting in ("GEM_HOME=/usr/local/bundle", "BUNDLE_APP_CONFIG=/usr/local/bundle",
                        "BUNDLE_SILENCE_ROOT_WARNING=1", "LANG=C.UTF-8", "PATH=/usr/local/bundle/bin:"):
            self.assertIn(setting, slim)
        self.assertNotIn("build-essential", slim)
        full = standins.find_recipe("ruby:3.3")[0].steps
        self.assertIn("build-essential", full)
        self.assertIn(f"ENV BUNDLE_CACHE_PATH={standins.RUBY_LOCAL_GEMS}", full)

    def test_the_repack_script_is_written_byte_for_byte(self):
        import subprocess
        recipe, groups = standins.find_recipe("ruby:3.3")
        steps = recipe.steps.format(**groups)
        command = next(part for part in steps.split(" && ") if part.startswith("printf '%s\\n' 'require"))
        written = subprocess.run(["sh", "-c", command.removesuffix(" > repack.rb")], capture_output=True,
                                 text=True, check=True).stdout
        self.assertEqual(written, "\n".join(standins.RUBY_REPACK) + "\n")
        self.assertIn('"#{root}/usr/{share,lib/*}/rubygems-integration/', written)


class RubyPromises(unittest.TestCase):
    def test_bundle_install_is_the_dependency_install(self):
        from pathlib import Path
        dockerfile = (Path(__file__).resolve().parents[2] / "examples" / "ruby-rack" / "Dockerfile").read_text()
        self.assertTrue(promises.DEPENDENCY_INSTALL.search(dockerfile))
        self.assertTrue(promises.DEPENDENCY_INSTALL.search("RUN bundle install && rm -rf ~/.bundle"))

    def test_bundler_caches_and_not_rubys_own_files(self):
        for path in ("/usr/local/bundle/ruby/3.3.0/cache/puma-6.6.0-x86_64-linux.gem",
                     "/root/.bundle/cache/compact_index", "/root/.cache/gem/specs",
                     "/usr/local/bundle/ruby/3.3.0/bundler/gems/rails-0123abcd/.git/HEAD"):
            with self.subTest(path):
                self.assertTrue(promises.PACKAGE_CACHES.search(path))
        for path in ("/usr/local/lib/ruby/gems/3.3.0/cache/minitest-5.20.0.gem",
                     "/usr/local/bundle/ruby/3.3.0/gems/rack-3.1.20/lib/rack/cache.rb",
                     "/usr/lib/ruby/3.3.0/rubygems/request_set/lockfile.rb",
                     "/usr/local/bundle/ruby/3.3.0/bundler/gems/rails-0123abcd/lib/rails.rb"):
            with self.subTest(path):
                self.assertFalse(promises.PACKAGE_CACHES.search(path))


class BundleLock(unittest.TestCase):
    """Gemfile.lock is made by `bundle lock` in the build stage's image, offline."""

    class FakeDocker:
        def __init__(self, lock):
            self.lock, self.calls = lock, []

        def run(self, *args, check=True):
            import subprocess
            from pathlib import Path
            self.calls.append(args)
            mount = args[args.index("-v") + 1].split(":", 1)[0]
            if self.lock is not None:
                (Path(mount) / "Gemfile.lock").write_text(self.lock)
            return subprocess.CompletedProcess(args, 0 if self.lock is not None else 6, "", "Could not find gem 'puma'")

    class FakeStandIns:
        def __init__(self, docker):
            self.docker, self.ensured = docker, []

        def ensure(self, tag):
            self.ensured.append(tag)

    DOCKERFILE = "# header\nFROM ruby:3.3 AS build\nRUN bundle install\nFROM ruby:3.3-slim\n"
    LOCK = "GEM\n  specs:\n    rack (3.1.20)\n\nPLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  rack\n"

    def make(self, lock):
        import tempfile
        from pathlib import Path
        tmp = Path(tempfile.mkdtemp(prefix="dgen-bundle-lock-"))
        self.addCleanup(shutil.rmtree, tmp)
        (tmp / "Gemfile").write_text('gem "rack"\n')
        docker = self.FakeDocker(lock)
        tools = lockfiles.Tools(tmp / "cache", self.FakeStandIns(docker))
        return tmp, docker, tools

    def test_runs_in_the_build_image_without_network(self):
        project, docker, tools = self.make(self.LOCK)
        notes = lockfiles.create(project, {"stack": "ruby"}, self.DOCKERFILE, tools)
        self.assertEqual(tools.stand_ins.ensured, ["ruby:3.3"])
        (call,) = docker.calls
        self.assertEqual(call[:4], ("run", "--rm", "--network", "none"))
        self.assertEqual(call[-3:], ("ruby:3.3", "bundle", "lock"))
        self.assertEqual(len(notes), 1)
        self.assertIn("platforms: x86_64-linux", notes[0])

    def test_a_committed_lock_is_kept(self):
        project, docker, tools = self.make(self.LOCK)
        (project / "Gemfile.lock").write_text("committed\n")
        self.assertEqual(lockfiles.create(project, {"stack": "ruby"}, self.DOCKERFILE, tools), [])
        self.assertEqual(docker.calls, [])

    def test_a_failed_lock_says_why(self):
        project, _, tools = self.make(None)
        with self.assertRaisesRegex(RuntimeError, "bundle lock in ruby:3.3 failed:\n.*Could not find gem 'puma'"):
            lockfiles.create(project, {"stack": "ruby"}, self.DOCKERFILE, tools)

    def test_no_engine_no_lock(self):
        project, _, _ = self.make(self.LOCK)
        with self.assertRaisesRegex(RuntimeError, "no engine"):
            lockfiles.create(project, {"stack": "ruby"}, self.DOCKERFILE, lockfiles.Tools(project / "cache"))


class TarballCache(unittest.TestCase):
    def test_a_tags_stale_tarballs_and_not_a_longer_tags(self):
        import tempfile
        from pathlib import Path
        with tempfile.TemporaryDirectory() as tmp:
            cache = Path(tmp)
            names = ["ruby_3.3-0123456789abcdef.tar", "ruby_3.3-slim-fedcba9876543210.tar",
                     "ruby_3.3-1111111111111111.tar", "ruby_3.3-slim-bookworm-2222222222222222.tar",
                     "ruby_3.3-3333333333333333.tar.partial"]
            for name in names:
                (cache / name).write_bytes(b"")
            new = cache / "ruby_3.3-aaaaaaaaaaaaaaaa.tar"
            self.assertEqual([p.name for p in standins.stale_tarballs(cache, new)],
                             ["ruby_3.3-0123456789abcdef.tar", "ruby_3.3-1111111111111111.tar"])
            slim = cache / "ruby_3.3-slim-bbbbbbbbbbbbbbbb.tar"
            self.assertEqual([p.name for p in standins.stale_tarballs(cache, slim)],
                             ["ruby_3.3-slim-fedcba9876543210.tar"])


class PhpStandIns(unittest.TestCase):
    """php:<v>-apache takes the release whose PHP is closest (bookworm 8.2, trixie 8.4); composer:<v>
    the newest release (the official composer image runs the newest PHP)."""

    def found(self, tag):
        recipe, groups = standins.find_recipe(tag)
        return recipe.family, groups["release"], groups["php"]

    def test_php_apache_tags_follow_the_php_version(self):
        self.assertEqual(self.found("php:8.4-apache"), ("php-apache", "trixie", "8.4"))
        self.assertEqual(self.found("php:8.4.12-apache"), ("php-apache", "trixie", "8.4"))
        self.assertEqual(self.found("php:8.2-apache"), ("php-apache", "bookworm", "8.2"))
        self.assertEqual(self.found("php:8.1-apache-bookworm"), ("php-apache", "bookworm", "8.2"))
        self.assertEqual(self.found("php:8.3-apache"), ("php-apache", "trixie", "8.4"))  # a tie: the newer
        self.assertEqual(self.found("php:8.4-apache-bookworm"), ("php-apache", "trixie", "8.4"))  # the version decides
        self.assertEqual(self.found("docker.io/library/php:8.5-apache-trixie"), ("php-apache", "trixie", "8.4"))
        for other in ("php:8.4-fpm", "php:8.4-cli", "php:8.4-apache-alpine", "php:apache"):
            self.assertIsNone(standins.find_recipe(other), other)

    def test_composer_tags_take_the_newest_release(self):
        self.assertEqual(self.found("composer:2.8"), ("composer", list(standins.RELEASES)[-1], "8.4"))
        self.assertEqual(self.found("composer:2")[1], list(standins.RELEASES)[-1])
        self.assertEqual(self.found("composer:2.2.25")[0], "composer")
        self.assertIsNone(standins.find_recipe("composer:latest"))

    def dockerfile(self, tag):
        recipe, groups = standins.find_recipe(tag)
        return f"FROM {recipe.parent.format(**groups)}\n" + recipe.steps.format(**groups)

    def test_the_chosen_releases_packages_are_installed(self):
        text = self.dockerfile("php:8.2-apache")
        self.assertTrue(text.startswith("FROM debian:bookworm-slim\n"))
        self.assertIn("libapache2-mod-php8.2 php8.2-cli", text)
        self.assertIn("STOPSIGNAL SIGWINCH", text)
        self.assertIn('CMD ["apache2-foreground"]', text)
        self.assertIn("PHP_INI_DIR=/usr/local/etc/php", text)
        self.assertNotIn("{", text.replace("${", "").replace("{}", "").replace("{ ", ""))
        composer = self.dockerfile("composer:2.8")
        self.assertIn("php8.4-cli", composer)
        self.assertIn("install -m 755 /tmp/composer.phar /usr/bin/composer", composer)
        self.assertIn("COMPOSER_ALLOW_SUPERUSER=1 COMPOSER_HOME=/tmp", composer)

    def test_the_scripts_parse(self):
        import subprocess
        for name in ("APACHE2_FOREGROUND", "PHP_ENTRYPOINT", "PHP_EXT_ENABLE", "PHP_EXT_INSTALL", "COMPOSER_ENTRYPOINT"):
            script = "\n".join(getattr(standins, name))
            self.assertEqual(subprocess.run(["sh", "-n", "-c", script]).returncode, 0, name)

    def run_script(self, lines, args, fakes, env=None):
        """Runs a stand-in script with fake commands first on PATH; returns (exit code, what the fakes logged)."""
        import os
        import subprocess
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, "log")
            for name, body in fakes.items():
                path = os.path.join(tmp, name)
                with open(path, "w") as handle:
                    handle.write(f'#!/bin/sh\necho "{name} $*" >> {log}\n{body}\n')
                os.chmod(path, 0o755)
            script = os.path.join(tmp, "script")
            with open(script, "w") as handle:
                handle.write("\n".join(lines) + "\n")
            result = subprocess.run(["sh", script, *args], capture_output=True, text=True,
                                    env={"PATH": f"{tmp}:/usr/bin:/bin", "TMPDIR": tmp, **(env or {})})
            logged = ""
            if os.path.exists(log):
                with open(log) as handle:
                    logged = handle.read()
            return result.returncode, logged, tmp

    def test_ext_install_installs_debians_packages_then_enables(self):
        fakes = {"apt-get": "", "docker-php-ext-enable": "", "php": "exit 1"}
        code, logged, _ = self.run_script(standins.PHP_EXT_INSTALL, ["-j4", "pdo_mysql", "intl", "exif", "pdo_pgsql"],
                                          fakes, {"PHP_VERSION": "8.4"})
        self.assertEqual(code, 0, logged)
        self.assertIn("apt-get install -y -q --no-install-recommends php8.4-mysql php8.4-intl php8.4-pgsql\n", logged)
        enabled = [line.split(" ", 1)[1] for line in logged.splitlines() if line.startswith("docker-php-ext-enable")]
        self.assertEqual(enabled, ["pdo_mysql", "intl", "exif", "pdo_pgsql"])
        # An extension already in php-common installs nothing.
        code, logged, _ = self.run_script(standins.PHP_EXT_INSTALL, ["bcmath"], {**fakes}, {"PHP_VERSION": "8.2"})
        self.assertIn("php8.2-bcmath", logged)
        code, logged, _ = self.run_script(standins.PHP_EXT_INSTALL, ["sockets"], fakes, {"PHP_VERSION": "8.4"})
        self.assertEqual((code, "apt-get" in logged), (0, False))

    def test_ext_install_refuses_what_it_cannot_stand_in_for(self):
        fakes = {"apt-get": "", "docker-php-ext-enable": ""}
        for args in (["no_such_ext"], ["--ini-name=x", "intl"], ["-j4"], ["intl; rm -rf /"]):
            code, logged, _ = self.run_script(standins.PHP_EXT_INSTALL, args, fakes, {"PHP_VERSION": "8.4"})
            self.assertEqual((code, logged), (1, ""), args)

    def test_apache2_foreground_makes_the_dirs_and_execs_apache(self):
        import os
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            envvars = os.path.join(tmp, "envvars")
            with open(envvars, "w") as handle:
                handle.write(f"export APACHE_RUN_DIR={tmp}/run/apache2\nexport APACHE_LOCK_DIR='{tmp}/lock dir'\n"
                             f"export APACHE_PID_FILE={tmp}/run/apache2/apache2.pid\n")
            os.makedirs(f"{tmp}/run/apache2")
            open(f"{tmp}/run/apache2/apache2.pid", "w").close()
            code, logged, _ = self.run_script(standins.APACHE2_FOREGROUND, ["-X"], {"apache2": ""},
                                              {"APACHE_ENVVARS": envvars})
            self.assertEqual(code, 0)
            self.assertEqual(logged, "apache2 -DFOREGROUND -X\n")
            self.assertTrue(os.path.isdir(f"{tmp}/lock dir"))
            self.assertFalse(os.path.exists(f"{tmp}/run/apache2/apache2.pid"))

    def test_entrypoints_pass_options_to_the_server(self):
        code, logged, _ = self.run_script(standins.PHP_ENTRYPOINT, ["-DFOO"], {"apache2-foreground": ""})
        self.assertEqual((code, logged), (0, "apache2-foreground -DFOO\n"))
        known = {"composer": '[ "$1" != help ] || [ "$3" = install ]'}
        code, logged, _ = self.run_script(standins.COMPOSER_ENTRYPOINT, ["install", "--no-dev"], known)
        self.assertEqual((code, logged.splitlines()[-1]), (0, "composer install --no-dev"))
        code, logged, _ = self.run_script(standins.COMPOSER_ENTRYPOINT, ["-V"], known)
        self.assertEqual((code, logged), (0, "composer -V\n"))
        code, logged, _ = self.run_script(standins.COMPOSER_ENTRYPOINT, ["true"], known)  # not a composer command
        self.assertEqual((code, logged), (0, "composer help --no-interaction true\n"))

    def test_a_composer_install_is_the_dependency_step_and_php_sources_are_edited(self):
        self.assertTrue(promises.DEPENDENCY_INSTALL.search(
            "RUN --mount=type=cache,target=/tmp/composer-cache COMPOSER_CACHE_DIR=/tmp/composer-cache composer install --no-dev"))
        self.assertFalse(promises.DEPENDENCY_INSTALL.search("RUN composer dump-autoload --optimize --no-dev"))
        self.assertTrue(promises.PACKAGE_CACHES.search("/home/app/.cache/composer/files/x.zip"))
        self.assertEqual(example.COMMENT_SYNTAX[".php"], "// {}")
