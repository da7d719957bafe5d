# rerecord's warm worker for RSpec + VCR (src/frameworks/WORKERS.md):
#
#   ruby rerecord_worker.rb      (cwd: the project root; RUBYOPT=-rrerecord_vcr; fd 3: messages)
#
# Loads bundler (when there is a Gemfile), rspec-core and what the project's .rspec files require
# (spec_helper / rails_helper: where VCR is configured), once, as `rspec` would before loading any
# spec file. Then, per request read from stdin, forks a child in a session of its own that takes
# the file's environment and working directory, re-reads the record hook's settings and runs the
# file through RSpec::Core::Runner.run with the runner's arguments: the child starts from a state
# that never ran an example.

$stdout.sync = true
$stderr.sync = true
MESSAGES = IO.new(3, 'w')
MESSAGES.sync = true

def send_message(message)
  MESSAGES.write("#{JSON.generate(message)}\n")
end

def unavailable(why)
  # JSON may be what failed to load: this one line is written by hand.
  text = why.to_s.gsub(/["\\]/) { |c| "\\#{c}" }.gsub(/[\u0000-\u001f]/) { |c| format('\u%04x', c.ord) }
  MESSAGES.write(%({"unavailable":"#{text}"}\n))
  exit!(0)
end

def version_of(name)
  spec = Gem.loaded_specs[name]
  spec ? "#{name} #{spec.version}" : name
end

# What `rspec` itself does before it loads a spec file: the load path (lib, spec, -I) and the
# --require options of .rspec, ~/.rspec, .rspec-local and SPEC_OPTS. Formatters and the like are
# left to each child's own Runner.run, or they would be added twice.
def load_project_setup
  options = RSpec::Core::ConfigurationOptions.new([]).options
  directories = ['lib', options[:default_path] || 'spec'].select { |folder| File.directory?(folder) }
  RSpec::Core::RubyProject.add_to_load_path(*directories, *Array(options[:libs]))
  Array(options[:requires]).each { |feature| require feature }
  Array(options[:requires])
end

def load_everything
  loaded = []
  begin
    if File.file?(ENV['BUNDLE_GEMFILE'] || 'Gemfile')
      require 'bundler/setup'
      loaded << 'bundler/setup'
    end
  rescue Exception => e # rubocop:disable Lint/RescueException -- any load failure means "run fresh"
    unavailable("bundler/setup did not load: #{e.class}: #{e.message}")
  end
  begin
    require 'json'
  rescue LoadError => e
    unavailable("json did not load under this bundle: #{e.message}")
  end
  begin
    require 'rspec/core'
    loaded << version_of('rspec-core')
    required = load_project_setup
    loaded << "the project's #{required.join(', ')}" unless required.empty?
    %w[vcr webmock].each do |library|
      require library
      loaded << version_of(library)
    rescue LoadError
      nil # the spec helper decides whether it needs it
    end
  rescue Exception => e # rubocop:disable Lint/RescueException
    unavailable("#{e.class}: #{e.message.lines.first.to_s.strip} (loading rspec-core and the project's spec helpers)")
  end
  others = Thread.list.reject { |thread| thread == Thread.current }
  unless others.empty?
    unavailable("the project's setup left #{others.size} thread#{others.size == 1 ? '' : 's'} running (#{others.map { |t| t.name || t.inspect }.join(', ')}): forking would copy them stopped")
  end
  loaded
end

# In the child: its own session, the file's environment and folder, fresh hook settings, the file.
def run_child(request)
  Process.setsid
  $stdin.reopen(File::NULL)
  MESSAGES.close
  Dir.chdir(request['cwd'])
  ENV.replace(request['env'])
  RerecordVcr.configure_from_environment if defined?(RerecordVcr)
  status = RSpec::Core::Runner.run([*request['args'], request['file']], $stderr, $stdout).to_i
  $stdout.flush
  $stderr.flush
  exit!(status)
rescue Exception => e # rubocop:disable Lint/RescueException -- nothing may escape into the worker's loop
  warn "rerecord warm worker: #{e.class}: #{e.message}"
  $stderr.flush
  exit!(1)
end

def serve(request)
  pid = fork { run_child(request) }
  send_message({ id: request['id'], started: pid, session: true })
  _, status = Process.wait2(pid)
  # Everything the child wrote went out before it ended: the markers come after it.
  $stdout.write(request['end'])
  $stderr.write(request['end'])
  if status.signaled?
    send_message({ id: request['id'], signal: "SIG#{Signal.signame(status.termsig)}" })
  else
    send_message({ id: request['id'], exit: status.exitstatus })
  end
end

loaded = load_everything
send_message({ ready: true, loaded: loaded })
while (line = $stdin.gets)
  serve(JSON.parse(line))
end
exit!(0)
