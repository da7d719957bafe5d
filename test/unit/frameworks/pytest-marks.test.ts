import { describe, expect, it } from 'vitest';
import { findLibraryDir, pytest } from '../../../src/frameworks/pytest/index.js';
import { parametrizeIds } from '../../../src/frameworks/pytest/parametrize.js';
import type { ProjectFiles } from '../../../src/frameworks/shared/project-files.js';
import { memoryProject } from '../config/memory-project.js';

const RECORDING = { 'requirements-dev.txt': 'pytest==7.4\npytest-recording==0.13.4\n' };

function plan(file: string, files: Record<string, string>, cassetteDir = 'tests/cassettes') {
  const project: ProjectFiles = memoryProject(files);
  return pytest.mapFile!({ file, source: files[file]!, cassetteDir, wrappers: [], project });
}

describe('cassettes of a spread vcr mark', () => {
  // vcrpy writes a cassette only when the test made a request: a mark spread over a whole module
  // or class predicts files many tests never write.
  it('are possible under a module or class pytestmark, expected under the test\'s own decorator or a use_cassette', () => {
    const source = [
      'import pytest, vcr',
      'pytestmark = pytest.mark.vcr',
      'def test_spread():',
      '    pass',
      '@pytest.mark.vcr',
      'def test_own():',
      '    pass',
      'class TestGroup:',
      '    pytestmark = [pytest.mark.vcr]',
      '    def test_in_class(self):',
      '        pass',
      '@pytest.mark.default_cassette("shared")',
      'def test_renamed():',
      '    pass',
      'def test_explicit():',
      '    with vcr.use_cassette("tests/cassettes/test_m/shared.yaml"):',
      '        pass',
    ].join('\n');
    const mapped = plan('tests/test_m.py', { ...RECORDING, 'tests/test_m.py': source });
    expect(mapped.cassettes).toContain('tests/cassettes/test_m/test_own.yaml');
    // shared.yaml: renamed under the spread mark, but a use_cassette names it too.
    expect(mapped.possible).toEqual(['tests/cassettes/test_m/test_spread.yaml', 'tests/cassettes/test_m/TestGroup.test_in_class.yaml', 'tests/cassettes/test_m/test_explicit.yaml']);
    expect(mapped.cassettes).toContain('tests/cassettes/test_m/shared.yaml');
  });

  it('are all expected when every test carries its own mark', () => {
    const source = 'import pytest\n@pytest.mark.vcr\ndef test_a():\n    pass\n';
    expect(plan('tests/test_a.py', { ...RECORDING, 'tests/test_a.py': source })).toEqual({ cassettes: ['tests/cassettes/test_a/test_a.yaml'], unresolved: [] });
  });
});

describe('pytest-recording cassettes', () => {
  it('go to <folder of the test file>/cassettes/<module>/, with parametrize ids and forbidden characters as "-"', () => {
    const source = [
      'import pytest',
      '@pytest.mark.vcr',
      '@pytest.mark.parametrize("url", ["/a", "b:c"])',
      'def test_get(url):',
      '    pass',
      'class TestThing:',
      '    @pytest.mark.vcr()',
      '    def test_x(self):',
      '        pass',
    ].join('\n');
    expect(plan('tests/api/v1/test_get.py', { ...RECORDING, 'tests/api/v1/test_get.py': source })).toEqual({
      cassettes: ['tests/api/v1/cassettes/test_get/test_get[-a].yaml', 'tests/api/v1/cassettes/test_get/test_get[b-c].yaml', 'tests/api/v1/cassettes/test_get/TestThing.test_x.yaml'],
      unresolved: [],
    });
  });

  it('follows vcr_cassette_dir, default_cassette_name and vcr_config from the closest conftest.py, the module first', () => {
    const files = {
      ...RECORDING,
      'tests/conftest.py': [
        'import os, pytest',
        '@pytest.fixture(scope="module")',
        'def vcr_cassette_dir(request):',
        '    return os.path.join("tests", "fixtures", request.module.__name__)',
        '@pytest.fixture',
        'def vcr_config():',
        '    return {"serializer": "json", "filter_headers": ["authorization"]}',
      ].join('\n'),
      'tests/test_a.py': '@pytest.mark.vcr\ndef test_one():\n    pass\n',
      'tests/sub/conftest.py': '@pytest.fixture\ndef default_cassette_name():\n    return "fixed"\n',
      'tests/sub/test_b.py': '@pytest.mark.vcr(serializer="yaml")\ndef test_two():\n    pass\n',
      'tests/sub/test_c.py': '@pytest.fixture(name="vcr_cassette_dir")\ndef own_dir():\n    return str(Path(__file__).parent / "mine")\n\n@pytest.mark.vcr\ndef test_three():\n    pass\n',
    };
    expect(plan('tests/test_a.py', files).cassettes).toEqual(['tests/fixtures/test_a/test_one.json']);
    expect(plan('tests/sub/test_b.py', files).cassettes).toEqual(['tests/fixtures/test_b/fixed.yaml']);
    expect(plan('tests/sub/test_c.py', files).cassettes).toEqual(['tests/sub/mine/fixed.json']);
  });

  it('names the module by its package when folders hold __init__.py (request.module.__name__)', () => {
    const files = {
      ...RECORDING,
      'tests/__init__.py': '',
      'tests/conftest.py': '@pytest.fixture\ndef vcr_cassette_dir(request):\n    return os.path.join(os.path.dirname(__file__), "cassettes", request.module.__name__)\n',
      'tests/test_p.py': 'pytestmark = [pytest.mark.vcr]\ndef test_p():\n    pass\n',
    };
    expect(plan('tests/test_p.py', files).cassettes).toEqual(['tests/cassettes/tests.test_p/test_p.yaml']);
  });

  it('reports fixtures and ids it cannot read as unresolved, with the file and line and a glob for audit', () => {
    const files = {
      ...RECORDING,
      'tests/conftest.py': 'import pytest\n\n@pytest.fixture\ndef vcr_cassette_dir(request):\n    return compute(request)\n',
      'tests/test_a.py': '@pytest.mark.vcr\ndef test_one():\n    pass\n',
      'other/test_b.py': 'CASES = load()\n\n@pytest.mark.vcr\n@pytest.mark.parametrize("n", CASES)\ndef test_two(n):\n    pass\n',
    };
    expect(plan('tests/test_a.py', files).unresolved).toEqual([
      { name: undefined, expression: '@pytest.mark.vcr on test_one: vcr_cassette_dir fixture returns compute(request)', line: 4, file: 'tests/conftest.py', pattern: undefined },
    ]);
    expect(plan('other/test_b.py', files).unresolved).toEqual([
      {
        name: undefined,
        expression: '@pytest.mark.vcr on test_two: parametrized, argvalues CASES are not a literal list (test_two[<id>].yaml)',
        line: 5,
        file: undefined,
        pattern: 'other/cassettes/test_b/test_two\\[*\\].yaml',
      },
    ]);
  });

  it('counts the extra cassettes a mark names as used (read, never rewritten)', () => {
    const source = '@pytest.mark.vcr("shared/base.yaml", "more.json")\ndef test_a():\n    pass\n';
    expect(plan('tests/test_e.py', { ...RECORDING, 'tests/test_e.py': source }).cassettes).toEqual([
      'tests/cassettes/test_e/shared/base.yaml',
      'tests/cassettes/test_e/more.json',
      'tests/cassettes/test_e/test_a.yaml',
    ]);
  });

  it('renames with @pytest.mark.default_cassette and keeps use_cassette calls in the configured dir', () => {
    const source = 'import vcr\n@pytest.mark.vcr\n@pytest.mark.default_cassette("shared.yaml")\ndef test_a():\n    with vcr.use_cassette("extra.yaml"):\n        pass\n';
    expect(plan('tests/test_r.py', { ...RECORDING, 'tests/test_r.py': source }).cassettes).toEqual(['tests/cassettes/extra.yaml', 'tests/cassettes/test_r/shared.yaml']);
  });
});

describe('parametrize ids', () => {
  const constants = new Map([['PAIRS', '[(1, "x"), (2, "y")]']]);
  it.each([
    [['pytest.mark.parametrize("n", [1, 2.5, -3, True, None, "s"])'], ['1', '2.5', '-3', 'True', 'None', 's']],
    [['pytest.mark.parametrize("a,b", PAIRS)'], ['1-x', '2-y']],
    [['pytest.mark.parametrize(("a", "b"), [(1, {}), ([], 2)])'], ['1-b0', 'a1-2']],
    [['pytest.mark.parametrize("n", [1, 2], ids=["one", None])'], ['one', '2']],
    [['pytest.mark.parametrize("n", [pytest.param(1, id="p"), pytest.param(2, marks=pytest.mark.slow)])'], ['p', '2']],
    [['pytest.mark.parametrize("n", ["a", "a", "b"])'], ['a0', 'a1', 'b']],
    [['pytest.mark.parametrize("x", [0, 1])', 'pytest.mark.parametrize("y", [2, 3])'], ['0-2', '0-3', '1-2', '1-3']],
    [['pytest.mark.parametrize("n", [1.0, 0.1])'], ['1.0', '0.1']],
  ])('%j -> %j', (marks, ids) => {
    expect(parametrizeIds(marks, constants)).toEqual({ ids });
  });

  it.each([
    ['pytest.mark.parametrize("n", cases())'],
    ['pytest.mark.parametrize("n", [SOME_NAME])'],
    ['pytest.mark.parametrize("n", [1], ids=str)'],
    ['pytest.mark.parametrize("n", ["ü"])'],
  ])('%s is left to run time', (mark) => {
    expect(parametrizeIds([mark], constants)).toEqual({ unresolved: expect.any(String) });
  });
});

describe('pytest detection from dependencies', () => {
  it.each([
    [{ 'requirements-dev.txt': 'vcrpy==4.2\n' }, 'vcrpy in requirements-dev.txt'],
    [{ 'requirements/test.txt': 'x', 'requirements/requirements-test.txt': 'pytest-recording\n' }, 'pytest-recording in requirements/requirements-test.txt'],
    [{ 'pyproject.toml': '[project.optional-dependencies]\ntest = ["pytest-recording"]\n' }, 'pytest-recording in pyproject.toml'],
    [{ 'setup.cfg': '[options.extras_require]\ntest =\n    vcrpy\n' }, 'vcrpy in setup.cfg'],
    [{ 'tox.ini': '[testenv]\ndeps =\n    pytest-vcr\n' }, 'pytest-vcr in tox.ini'],
    [{ 'requirements.txt': 'vcrpy-unittest-helpers\n' }, undefined],
  ])('%j -> %s', (files, evidence) => {
    expect(pytest.detect!(memoryProject(files))).toBe(evidence);
  });
});

describe('cassette_library_dir held in a module-level constant', () => {
  it('follows the constant, itself relative to the file', () => {
    const source = 'import os\nCASSETTES = os.path.join(os.path.dirname(__file__), "recorded")\nmy_vcr = vcr.VCR(cassette_library_dir=CASSETTES)\n';
    expect(findLibraryDir(source, 'tests')).toBe('tests/recorded');
    expect(findLibraryDir('DIR = "fixtures/vcr"\nv = VCR(cassette_library_dir=DIR)', 'tests')).toBe('fixtures/vcr');
  });
});
