# rerecord's record hook for Ruby VCR (5.x, 6.x), loaded into the test process with
#   RUBYOPT="-r/abs/path/rerecord_vcr.rb"
# while the orchestrator runs `rspec /abs/path/spec/x_spec.rb` (or the user's `bundle exec rspec {file}`).
# `rspec --require /abs/path/rerecord_vcr.rb` works too; loading it twice is harmless.
#
# Environment: RERECORD_JOURNAL (JSON-lines file to append to), RERECORD_BACKUP_DIR (existing dir).
# Without both, the hook does nothing: it never deletes a cassette it cannot journal.
# RERECORD_MODE=replay instead pins `record: :none` (a request the cassette does not hold is an
# error) and journals, backs up and deletes nothing: rerecord's replay check.
#
# Why it looks like this:
# - VCR reads no environment variable for the record mode, and `record:` can come from
#   default_cassette_options, a use_cassette call or `:vcr` metadata. Every one of them ends in
#   VCR::Cassette.new, so a module prepended to Cassette#initialize overrides `record:` last.
# - `record: :all` alone keeps the old interactions that no new request matched, so the first
#   open of each cassette in this process deletes the file (after backing it up and journaling).
#   Later opens record too but keep what earlier examples of this process just wrote.
# - RUBYOPT loads this file before rspec, bundler/setup and VCR exist, so it patches lazily: at the
#   first `class Cassette ... end` inside VCR, whoever loads it. The path is asked from the cassette
#   itself (Cassette#file), i.e. after spec_helper set cassette_library_dir, with the serializer's
#   extension and VCR's own file-name sanitizing.
# - It requires nothing (not even json or fileutils, which are gems): under `bundle exec` it runs
#   before bundler/setup, and activating a default gem early clashes with a Gemfile.lock pinning it.
# - In a warm worker (rerecord_worker.rb, RERECORD_WORKER=1) the patch goes in before any child has
#   settings; each forked child calls configure_from_environment with its own environment, so the
#   steps above hold per child exactly as per fresh process.

return if defined?(RerecordVcr) # a second copy (RUBYOPT and --require): one journal, one patch

module RerecordVcr
  LOCK = Thread::Mutex.new

  class << self
    attr_reader :journal, :backup_dir, :replay
  end

  # Reads the settings from the environment and forgets every cassette seen so far: at load, and
  # again in each child a warm worker forks (rerecord_worker.rb), whose patch is already in place.
  # Whether the hook is on is decided here, once per process, as it always was at load.
  # (RERECORD_ROOT is read where a cassette is checked, so a child's new environment counts too.)
  def self.configure_from_environment
    @journal = ENV['RERECORD_JOURNAL'].to_s
    @backup_dir = ENV['RERECORD_BACKUP_DIR'].to_s
    @replay = ENV['RERECORD_MODE'] == 'replay'
    @enabled = @replay || (!@journal.empty? && File.directory?(@backup_dir))
    @seen = {} # absolute cassette paths already prepared in this process
  end
  configure_from_environment

  def self.enabled?
    @enabled
  end

  def self.patch!(cassette_class)
    return if cassette_class.ancestors.include?(ForceRecord)
    cassette_class.prepend(ForceRecord)
  end

  module ForceRecord
    def initialize(name, options = {})
      return super unless RerecordVcr.enabled?

      if RerecordVcr.replay
        # Replays what the file holds and nothing else; no interval that would record again.
        super(name, (options || {}).merge(record: :none, re_record_interval: nil))
        return
      end
      # Overrides any record mode; no re_record_interval, so nothing reads the file before we delete it.
      super(name, (options || {}).merge(record: :all, re_record_interval: nil))
      RerecordVcr.start_fresh(self)
    end
  end

  def self.start_fresh(cassette)
    path = cassette_file(cassette)
    return unless path
    refuse_outside_root(path)
    LOCK.synchronize do
      next if @seen[path]
      @seen[path] = true
      existed = File.file?(path)
      backup = existed ? copy_to_backup_dir(path) : nil
      # One line, written and closed before the delete: a kill -9 leaves a truthful journal.
      File.open(journal, 'a') { |f| f.write(%({"cassette":#{json(path)},"existed":#{existed},"backup":#{backup ? json(backup) : 'null'}}\n)) }
      begin
        File.delete(path) if existed
      rescue Errno::ENOENT
        # another process of the same run (parallel_tests) deleted it first: same outcome
      end
    end
  end

  # Only a cassette inside the project rerecord runs in (outside .git/ and .rerecord/, and not the
  # config file .rerecord.yml) is backed up and deleted; symlinked folders are followed, as VCR's own write would.
  def self.refuse_outside_root(path)
    root = ENV['RERECORD_ROOT'].to_s
    return if root.empty?
    folder = File.dirname(path)
    rest = [File.basename(path)]
    until File.exist?(folder) || File.dirname(folder) == folder
      rest.unshift(File.basename(folder))
      folder = File.dirname(folder)
    end
    resolved = File.join(File.realpath(folder), *rest)
    real_root = File.realpath(root)
    inside = resolved.start_with?(real_root + File::SEPARATOR)
    relative = inside ? resolved[(real_root.length + 1)..] : nil
    first = inside ? relative.split(File::SEPARATOR).first : nil
    return if inside && !['.git', '.rerecord'].include?(first) && relative != '.rerecord.yml'
    raise "rerecord: refusing cassette #{path}: it lies outside the project #{root} (or inside .git/ or .rerecord/, or is .rerecord.yml); nothing was touched"
  end

  # nil (with a warning) when VCR cannot tell a file: a custom persister, or no cassette_library_dir.
  def self.cassette_file(cassette)
    path = cassette.file
    return File.expand_path(path) if path
    warn 'rerecord: VCR has no cassette_library_dir here; cassette left as is'
    nil
  rescue NotImplementedError
    warn "rerecord: cassette #{cassette.name.inspect} uses a persister without files; left as is"
    nil
  end

  # Several test processes share one backup dir: an exclusive create makes `<n>-<basename>` race-free.
  def self.copy_to_backup_dir(path)
    n = 1
    begin
      target = File.join(backup_dir, "#{n}-#{File.basename(path)}")
      File.open(target, File::WRONLY | File::CREAT | File::EXCL | File::BINARY) do |out|
        File.open(path, 'rb') { |src| IO.copy_stream(src, out) }
      end
    rescue Errno::EEXIST
      n += 1
      retry
    end
    raise "rerecord: could not back up cassette #{path}" unless File.size(target) == File.size(path)
    target
  end

  def self.json(text)
    body = text.to_s.dup.force_encoding(Encoding::UTF_8).scrub.gsub(/["\\\u0000-\u001f]/) do |c|
      c == '"' || c == '\\' ? "\\#{c}" : format('\u%04x', c.ord)
    end
    %("#{body}")
  end

  # Patches VCR::Cassette now, or at the end of its first `class Cassette` body if VCR is not
  # loaded yet. Idempotent: a warm worker calls it again after its own loading.
  def self.install
    if defined?(::VCR::Cassette)
      patch!(::VCR::Cassette)
      @watch&.disable
      return
    end
    return if @watch&.enabled?

    # Fires at the end of every class/module body until VCR::Cassette shows up; then switched off.
    @watch = TracePoint.new(:end) do |tp|
      # Identity, not #name: a class may redefine `self.name`.
      if defined?(::VCR::Cassette) && tp.self.equal?(::VCR::Cassette)
        RerecordVcr.patch!(tp.self)
        @watch.disable # (the block runs with self = RerecordVcr)
      end
    end
    @watch.enable
  end
end

# A warm worker patches before any child has settings: each child's settings decide per cassette.
RerecordVcr.install if RerecordVcr.enabled? || ENV['RERECORD_WORKER'] == '1'
