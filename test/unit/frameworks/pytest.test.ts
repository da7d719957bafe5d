import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findLibraryDir, pythonCode, pythonLiteral, pytest } from '../../../src/frameworks/pytest/index.js';
import { memoryProject } from '../config/memory-project.js';

const names = (source: string, wrappers: string[] = []) => pytest.findCassetteRefs(source, wrappers).map((ref) => ref.name);

describe('pytest cassette references', () => {
  it.each([
    ["with vcr.use_cassette('a.yaml'):", 'a.yaml'],
    ['with my_vcr.use_cassette("b.yaml", record_mode="once"):', 'b.yaml'],
    ['with my_vcr.use_cassette(path="c.yaml"):', 'c.yaml'],
    ["with my_vcr.use_cassette(record_mode='all', path='d.yaml') as cass:", 'd.yaml'],
    ["@vcr.use_cassette('e.yaml')\ndef test_e():\n    pass", 'e.yaml'],
    ["with self.vcr.use_cassette(\n    'f.yaml',\n    match_on=['method', 'path'],\n):", 'f.yaml'],
    ["with use_cassette(r'g.yaml'):", 'g.yaml'],
    ['with vcr.use_cassette(f"h.yaml"):', 'h.yaml'],
    ["with vcr.use_cassette('sub/dir/i.yaml'):", 'sub/dir/i.yaml'],
  ])('%s -> %s', (source, name) => {
    expect(names(source)).toEqual([name]);
  });

  it('leaves computed names unresolved and ignores comments, strings, docstrings and definitions', () => {
    const source = [
      '"""Module docstring: vcr.use_cassette("doc.yaml") and a "quoted" word."""',
      "# with vcr.use_cassette('commented.yaml'):",
      "s = \"vcr.use_cassette('in_string.yaml')\"",
      'def test_x(item_id):',
      '    with api_vcr.use_cassette(f"dyn-{item_id}.yaml"):  # vcr.use_cassette("trailing.yaml")',
      '        pass',
      "    with api_vcr.use_cassette(os.path.join(DIR, 'x.yaml')):",
      '        pass',
      "    with api_vcr.use_cassette('real.yaml'):",
      '        pass',
      'def use_cassette(self, path=None, **kwargs):',
      '    pass',
      "my_use_cassette('nope.yaml'); reuse_cassette('nope.yaml')",
    ].join('\n');
    expect(pytest.findCassetteRefs(source, [])).toEqual([
      { name: undefined, expression: 'f"dyn-{item_id}.yaml"', line: 5 },
      { name: undefined, expression: "os.path.join(DIR, 'x.yaml')", line: 7 },
      { name: 'real.yaml', expression: "'real.yaml'", line: 9 },
    ]);
  });

  it('maps the cassette-functions wrappers, not their definitions', () => {
    const source = "def api_cassette(name):\n    return api_vcr.use_cassette(name)\n\nwith api_cassette('w.yaml'):\n    pass\nwith other.api_cassette('no.yaml'):\n    pass";
    expect(pytest.findCassetteRefs(source, ['api_cassette'])).toEqual([
      { name: undefined, expression: 'name', line: 2 },
      { name: 'w.yaml', expression: "'w.yaml'", line: 4 },
    ]);
  });

  it('names @pytest.mark.vcr cassettes as pytest-vcr does: <test dir>/cassettes/[<Class>.]<test>.yaml', () => {
    const source = [
      'import pytest',
      '',
      '@pytest.mark.vcr',
      'def test_plain():',
      '    pass',
      '',
      '@pytest.mark.vcr(record_mode="none")',
      'async def test_async():',
      '    pass',
      '',
      'def test_unmarked():',
      '    pass',
      '',
      '@pytest.mark.vcr',
      'class TestUsers:',
      '    def test_list(self):',
      '        def test_nested():',
      '            pass',
      '    def helper(self):',
      '        pass',
      '',
      'class TestOther:',
      '    pytestmark = [pytest.mark.vcr]',
      '    @pytest.mark.parametrize("n", [1, 2])',
      '    def test_param(self, n):',
      '        pass',
      '',
      '    def test_one(self):',
      '        pass',
    ].join('\n');
    const project = memoryProject({ 'requirements-dev.txt': 'pytest\npytest-vcr==1.0.2\n', 'tests/api/test_x.py': source });
    expect(pytest.mapFile!({ file: 'tests/api/test_x.py', source, cassetteDir: 'tests/cassettes', wrappers: [], project })).toEqual({
      cassettes: [
        'tests/api/cassettes/test_plain.yaml',
        'tests/api/cassettes/test_async.yaml',
        'tests/api/cassettes/TestUsers.test_list.yaml',
        'tests/api/cassettes/TestOther.test_param[1].yaml',
        'tests/api/cassettes/TestOther.test_param[2].yaml',
        'tests/api/cassettes/TestOther.test_one.yaml',
      ],
      unresolved: [],
      // A class's mark (decorator or pytestmark) spreads over tests that may make no request.
      possible: [
        'tests/api/cassettes/TestUsers.test_list.yaml',
        'tests/api/cassettes/TestOther.test_param[1].yaml',
        'tests/api/cassettes/TestOther.test_param[2].yaml',
        'tests/api/cassettes/TestOther.test_one.yaml',
      ],
    });
  });

  it('applies a module-level pytestmark to every test', () => {
    const source = 'pytestmark = pytest.mark.vcr\n\ndef test_a():\n    pass\n\ndef helper():\n    pass\n\nclass TestB:\n    def test_c(self):\n        pass';
    expect(pytest.mapFile!({ file: 'tests/test_m.py', source, cassetteDir: 'tests/cassettes', wrappers: [], project: undefined }).cassettes).toEqual([
      'tests/cassettes/test_m/test_a.yaml',
      'tests/cassettes/test_m/TestB.test_c.yaml',
    ]);
    // Marks need the file's place: the source-only scan leaves them out.
    expect(names(source)).toEqual([]);
  });

  it('leaves a use_cassette decorator without a path to the journal (named after the function)', () => {
    const source = '@my_vcr.use_cassette\ndef test_a():\n    pass\n\n@my_vcr.use_cassette(record_mode="all")\ndef test_b():\n    pass\n\n@my_vcr.use_cassette("c.yaml")\ndef test_c():\n    pass';
    expect(pytest.findCassetteRefs(source, [])).toEqual([
      { name: undefined, expression: '@my_vcr.use_cassette on test_a', line: 1 },
      { name: undefined, expression: '@my_vcr.use_cassette(record_mode="all") on test_b', line: 5 },
      { name: 'c.yaml', expression: '"c.yaml"', line: 9 },
    ]);
  });

  it('joins names to the cassette dir unless they already start with it, as vcrpy does', () => {
    expect(pytest.cassettePath('tests/cassettes', 'a.yaml')).toBe('tests/cassettes/a.yaml');
    expect(pytest.cassettePath('tests/cassettes', 'tests/cassettes/b.yaml')).toBe('tests/cassettes/b.yaml');
  });
});

describe('python scanning helpers', () => {
  it('blanks comments and triple-quoted strings but keeps lengths and lines', () => {
    const source = 'x = """a "b" c\n# d"""  # e\ny = \'#\'\ndef f(): pass';
    const code = pythonCode(source);
    expect(code).toHaveLength(source.length);
    expect(code.split('\n')).toEqual([`x = ""${' '.repeat(8)}`, ' '.repeat(11), "y = '#'", 'def f(): pass']);
  });

  it('reads Python literals with prefixes, and nothing computed', () => {
    expect(pythonLiteral("'a.yaml'")).toBe('a.yaml');
    expect(pythonLiteral('r"b\\c.yaml"')).toBe('b\\c.yaml');
    expect(pythonLiteral('f"{x}.yaml"')).toBeUndefined();
    expect(pythonLiteral('"a" "b"')).toBeUndefined();
    expect(pythonLiteral('b"bytes"')).toBeUndefined();
    expect(pythonLiteral('NAME')).toBeUndefined();
  });

  it.each([
    ["VCR(cassette_library_dir='fixtures/vcr')", 'fixtures/vcr'],
    ['VCR(cassette_library_dir="./tests/cassettes/")', 'tests/cassettes'],
    ['VCR(\n    cassette_library_dir=os.path.join(os.path.dirname(__file__), "cassettes"),\n)', 'tests/cassettes'],
    ['VCR(cassette_library_dir=os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "vcr"))', 'tests/data/vcr'],
    ['VCR(cassette_library_dir=str(Path(__file__).parent / "cassettes" / "api"))', 'tests/cassettes/api'],
    ['def vcr_config():\n    return {"cassette_library_dir": "recorded"}', 'recorded'],
  ])('finds the library dir in %s -> %s', (source, dir) => {
    expect(findLibraryDir(source, 'tests')).toBe(dir);
  });

  it('gives up on library dirs it cannot read', () => {
    expect(findLibraryDir('VCR(cassette_library_dir=CASSETTES)', 'tests')).toBeUndefined();
    expect(findLibraryDir('# VCR(cassette_library_dir="commented")', 'tests')).toBeUndefined();
  });
});

describe('pytest detection and defaults', () => {
  it.each([
    [{ 'pytest.ini': '[pytest]\n' }, 'pytest.ini'],
    [{ 'tests/conftest.py': '' }, 'tests/conftest.py'],
    [{ 'conftest.py': '' }, 'conftest.py'],
    [{ 'pyproject.toml': '[project]\nname = "x"\n\n[tool.pytest.ini_options]\naddopts = "-q"\n' }, '[tool.pytest.ini_options] in pyproject.toml'],
    [{ 'setup.cfg': '[metadata]\nname = x\n[tool:pytest]\n' }, '[tool:pytest] in setup.cfg'],
    [{ 'tox.ini': '[tox]\n[pytest]\n' }, '[pytest] in tox.ini'],
    [{ 'pyproject.toml': '[tool.black]\n', 'setup.py': '' }, undefined],
    [{ 'package.json': '{}' }, undefined],
  ])('%j -> %s', (files, evidence) => {
    expect(pytest.detect!(memoryProject(files))).toBe(evidence);
  });

  it('finds the cassette dir in conftest.py or a helper module, else <test-dir>/cassettes', () => {
    const helper = 'api_vcr = vcr.VCR(cassette_library_dir=os.path.join(os.path.dirname(__file__), "vcr_cassettes"))';
    expect(pytest.defaultCassetteDir(memoryProject({ 'tests/standin.py': helper, 'tests/test_a.py': '' }), 'tests')).toBe('tests/vcr_cassettes');
    expect(pytest.defaultCassetteDir(memoryProject({ 'conftest.py': 'v = VCR(cassette_library_dir="fixtures/cassettes")', 'tests/test_a.py': '' }), 'tests')).toBe(
      'fixtures/cassettes',
    );
    // A test file configuring its own VCR is not a project-wide default.
    expect(pytest.defaultCassetteDir(memoryProject({ 'tests/test_a.py': 'VCR(cassette_library_dir="mine")' }), 'tests')).toBe('tests/cassettes');
    expect(pytest.defaultCassetteDir(memoryProject({ 'tests/sub/test_a.py': '' }), 'tests')).toBe('tests/cassettes');
    // pytest-recording and pytest-vcr keep cassettes beside each test module: all of them are under the test folder.
    expect(pytest.defaultCassetteDir(memoryProject({ 'pyproject.toml': '[project.optional-dependencies]\ntest = ["pytest-recording>=0.13"]', 'tests/sub/test_a.py': '' }), 'tests')).toBe('tests');
  });

  it('has defaults that find test_*.py and *_test.py files', async () => {
    const { minimatch } = await import('minimatch');
    const match = (file: string) => minimatch(file, pytest.defaultTestPattern);
    expect(['test_a.py', 'sub/test_b.py', 'c_test.py'].every(match)).toBe(true);
    expect(['conftest.py', 'helpers.py', 'test_data.json', 'testing.py'].some(match)).toBe(false);
    expect(pytest.defaultTestDir).toBe('tests');
    expect(pytest.defaultCommand).toEqual(['python3', '-m', 'pytest', '{file}']);
  });
});

describe('pytest launch', () => {
  const hook = { hookDirectory: '/opt/rerecord hooks', journal: '/tmp/j.jsonl', backupDirectory: '/tmp/backup' };
  const saved = { PYTHONPATH: process.env.PYTHONPATH, PYTEST_PLUGINS: process.env.PYTEST_PLUGINS };
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('loads the plugin through PYTEST_PLUGINS and PYTHONPATH, so any command keeps it', () => {
    delete process.env.PYTHONPATH;
    delete process.env.PYTEST_PLUGINS;
    expect(pytest.launch('/p/tests/test_a.py', pytest.defaultCommand, hook, process.env)).toEqual({
      command: 'python3',
      args: ['-m', 'pytest', '/p/tests/test_a.py'],
      env: { RERECORD_MODE: 'record', RERECORD_JOURNAL: '/tmp/j.jsonl', RERECORD_BACKUP_DIR: '/tmp/backup', PYTHONPATH: '/opt/rerecord hooks', PYTEST_PLUGINS: 'rerecord_vcrpy' },
    });
  });

  it('appends to PYTHONPATH and PYTEST_PLUGINS already set', () => {
    process.env.PYTHONPATH = '/src';
    process.env.PYTEST_PLUGINS = 'myplugin';
    const spec = pytest.launch('/p/tests/test_a.py', ['poetry', 'run', 'pytest', '-x', '{file}'], hook, process.env);
    expect(spec).toMatchObject({ command: 'poetry', args: ['run', 'pytest', '-x', '/p/tests/test_a.py'] });
    expect(spec.env).toMatchObject({ PYTHONPATH: `/src${path.delimiter}/opt/rerecord hooks`, PYTEST_PLUGINS: 'myplugin,rerecord_vcrpy' });
  });
});
