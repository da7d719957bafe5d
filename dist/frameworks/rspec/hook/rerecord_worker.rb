# rerecord's warm worker for RSpec + VCR (src/frameworks/WORKERS.md):
#
#   ruby /abs/hook/rerecord_worker.rb [runner args]
#
# cwd: the project root; env: RUBYLIB with this folder, RUBYOPT=-rrerecord_vcr, RERECORD_WORKER=1
# (the record hook then patches VCR::Cassette before any child has settings); fd 3: messages.
# The optional runner args are the `rspec` options of the user's command (the same `args` every
# request carries): their --require / -I / --default-path are loaded once too.
#
# Loads bundler (when there is a Gemfile), rspec-core and what the project's .rspec files require
# (spec_helper / rails_helper: where VCR is configured), once, as `rspec` would before loading any
# spec file. Then, per request read from stdin, forks a child in a session of its own that takes
# the file's environment and working directory, re-reads the record hook's settings and runs the
# file through RSpec::Core::Runner.run with the runner's arguments, as the `rspec` executable
# does: the child starts from a state that never ran an example.
#
# Limits (of any preloading runner): what the project's helpers compute at load time (constants
# read from ENV, `config.files_to_run`, a seed) comes from the worker's loading, not from the
# file's run; at_exit handlers (SimpleCov's report) do not run in a child.

$stdout.sync = true
$stderr.sync = true
begin
  MESSAGES = IO.new(3, 'w')
rescue SystemCallError, ArgumentError => e # ArgumentError: "RubyVM reserves it"
  abort "rerecord warm worker: fd 3 (the message channel) is not open: #{e.message}"
end
MESSAGES.sync = true
WORKER_FILE = File.expand_path(__FILE__)
# The record hook: normally loaded by RUBYOPT already; a worker without it would record nothing.
require_relative 'rerecord_vcr'
RerecordVcr.install

# JSON may be what failed to load (a bundle that pins another json): messages are written by hand.
def json_string(text)
  body = text.to_s.dup.force_encoding(Encoding::UTF_8).scrub.gsub(/["\\\u0000-\u001f]/) do |c|
    c == '"' || c == '\\' ? "\\#{c}" : format('\u%04x', c.ord)
  end
  %("#{body}")
end

def send_message(pairs)
  body = pairs.map do |key, value|
    text = case value
           when String then json_string(value)
           when Array then "[#{value.map { |item| json_string(item) }.join(',')}]"
           else value.to_s # integers, true
           end
    "#{json_string(key)}:#{text}"
  end
  MESSAGES.write("{#{body.join(',')}}\n")
end

def unavailable(why)
  send_message(unavailable: why)
  exit!(0)
end

# The worker dies of a signal without running the project's at_exit handlers (SimpleCov would
# write a report from a process that ran no example); a child gets Ruby's own handlers back.
WORKER_SIGNALS = %w[TERM INT HUP QUIT].freeze
WORKER_SIGNALS.each do |signal|
  Signal.trap(signal) do
    Signal.trap(signal, 'SYSTEM_DEFAULT')
    Process.kill(signal, Process.pid)
  end
end

def gem_version(name, constant)
  spec = Gem.loaded_specs[name]
  version = spec ? spec.version.to_s : constant.call
  "#{name} #{version}"
rescue StandardError, LoadError
  name
end

# `bundle exec` finds the Gemfile (or gems.rb) in the cwd or a folder above it, or BUNDLE_GEMFILE.
def gemfile
  return ENV['BUNDLE_GEMFILE'] unless ENV['BUNDLE_GEMFILE'].to_s.empty?

  folder = Dir.pwd
  loop do
    found = %w[Gemfile gems.rb].map { |name| File.join(folder, name) }.find { |file| File.file?(file) }
    return found if found
    return nil if File.dirname(folder) == folder

    folder = File.dirname(folder)
  end
end

# What `rspec` itself does before it loads a spec file: the load path (lib, spec, -I) and the
# --require options of the runner args, .rspec, ~/.rspec, .rspec-local and SPEC_OPTS. Formatters
# and every other option are left to each child's own Runner.run, or they would apply twice.
def load_project_setup(runner_args)
  options = RSpec::Core::ConfigurationOptions.new(runner_args.dup).options
  RSpec::Core::RubyProject.add_to_load_path(*Array(options[:libs]))
  directories = ['lib', options[:default_path] || 'spec'].select { |folder| File.directory?(folder) }
  RSpec::Core::RubyProject.add_to_load_path(*directories)
  requires = Array(options[:requires])
  requires.each { |feature| require feature }
  requires
end

# A library worth loading once when the project has it and loading it changes nothing: vcr does
# nothing until configured, webmock 2+ until enabled (webmock 1 enabled itself on require).
def preload(name, since)
  spec = Gem.loaded_specs[name] || Gem::Specification.find_by_name(name)
  return false if since && spec.version < Gem::Version.new(since)

  require name
  true
rescue LoadError, StandardError
  false
end

def load_everything(runner_args)
  loaded = []
  begin
    if (file = gemfile)
      require 'bundler/setup'
      @bundled = true
      loaded << "bundler #{Bundler::VERSION} (#{File.basename(file)})"
    end
  rescue Exception => e # rubocop:disable Lint/RescueException -- SystemExit too: any failure means "run fresh"
    unavailable("bundler/setup did not load: #{e.class}: #{e.message.lines.first.to_s.strip}")
  end
  begin
    require 'json'
  rescue LoadError => e
    unavailable("json did not load: #{e.message}")
  end
  begin
    require 'rspec/core'
    # As the `rspec` executable does first: `require 'rspec/autorun'` in a helper then does nothing.
    RSpec::Core::Runner.disable_autorun!
    loaded << gem_version('rspec-core', -> { RSpec::Core::Version::STRING })
  rescue Exception => e # rubocop:disable Lint/RescueException
    unavailable("rspec-core did not load: #{e.class}: #{e.message.lines.first.to_s.strip}")
  end
  begin
    required = load_project_setup(runner_args)
    loaded << "the project's #{required.join(', ')}" unless required.empty?
  rescue Exception => e # rubocop:disable Lint/RescueException
    unavailable("the project's spec helpers did not load (#{e.class}: #{e.message.lines.first.to_s.strip})")
  end
  loaded << gem_version('vcr', -> { VCR.version }) if defined?(::VCR) || preload('vcr', nil)
  loaded << gem_version('webmock', -> { WebMock::VERSION }) if defined?(::WebMock) || preload('webmock', '2')
  RerecordVcr.install
  others = Thread.list.reject { |thread| thread == Thread.current }
  unless others.empty?
    names = others.map { |thread| thread.name || thread.inspect }.join(', ')
    unavailable("the project's setup left #{others.size} thread#{others.size == 1 ? '' : 's'} running (#{names}): forking would copy them stopped")
  end
  loaded
end

# Where `bundle exec` would have put the child: its environment says so, for what the tests start.
def bundle_environment(env)
  return unless @bundled && defined?(::Bundler::SharedHelpers)

  Bundler::ORIGINAL_ENV.replace(env) if defined?(::Bundler::ORIGINAL_ENV) && Bundler::ORIGINAL_ENV.is_a?(Hash)
  Bundler::SharedHelpers.set_bundle_environment
rescue StandardError
  nil
end

def flush_output
  [$stdout, $stderr, STDOUT, STDERR].uniq.each do |io|
    io.flush
  rescue StandardError
    nil
  end
end

# In the child: its own session, the file's environment and folder, fresh hook settings, the file.
def run_child(request)
  Process.setsid
  WORKER_SIGNALS.each { |signal| Signal.trap(signal, 'DEFAULT') }
  $stdin.reopen(File::NULL)
  MESSAGES.close
  Dir.chdir(request['cwd'])
  ENV.replace(request['env'])
  bundle_environment(request['env'])
  RerecordVcr.configure_from_environment
  args = [*request['args'], request['file']]
  ARGV.replace(args)
  RSpec.configuration.start_time = RSpec::Core::Time.now # "files took": this file's load
  RSpec.configuration.backtrace_exclusion_patterns << /#{Regexp.escape(WORKER_FILE)}/o
  status = RSpec::Core::Runner.run(args, $stderr, $stdout).to_i
  flush_output
  exit!(status)
rescue SystemExit => e # `exit 3` in a spec: the process's status, as in a fresh `rspec`
  flush_output
  exit!(e.status)
rescue SignalException => e # Ruby's default for TERM, HUP...: die of that signal
  flush_output
  Signal.trap(e.signo, 'SYSTEM_DEFAULT')
  Process.kill(e.signo, Process.pid)
  sleep 1
  exit!(128 + e.signo)
rescue Exception => e # rubocop:disable Lint/RescueException -- nothing may escape into the worker's loop
  STDERR.write(e.full_message(highlight: false)) rescue nil # rubocop:disable Style/RescueModifier
  flush_output
  exit!(1)
end

def serve(request)
  pid = fork { run_child(request) }
  send_message(id: request['id'], started: pid, session: true)
  _, status = Process.wait2(pid)
  # Everything the child wrote went out before it ended: the markers come after it.
  $stdout.write(request['end'])
  $stderr.write(request['end'])
  flush_output
  if status.signaled?
    send_message(id: request['id'], signal: "SIG#{Signal.signame(status.termsig)}")
  else
    send_message(id: request['id'], exit: status.exitstatus)
  end
end

loaded = load_everything(ARGV.dup)
ARGV.clear
# Each child starts from a collected heap: its first GC (a full mark of everything the worker
# loaded, page by page copied on write) is one it no longer needs for a small file.
GC.start(full_mark: true, immediate_sweep: true)
send_message(ready: true, loaded: loaded)
begin
  while (line = $stdin.gets)
    serve(JSON.parse(line))
  end
rescue Exception => e # rubocop:disable Lint/RescueException -- die without the project's at_exit handlers
  STDERR.write("rerecord warm worker: #{e.full_message(highlight: false)}") rescue nil # rubocop:disable Style/RescueModifier
  exit!(1)
end
exit!(0)
