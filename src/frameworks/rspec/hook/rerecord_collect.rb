# rerecord's collection formatter for RSpec + VCR: asks RSpec itself which examples each spec file
# holds, without running one, and VCR itself where each `:vcr`-tagged example's cassette would be.
#
#   rspec --dry-run --require /abs/path/rerecord_collect.rb --format RerecordCollect spec/a_spec.rb ...
#
# Environment: RERECORD_COLLECT_OUTPUT, the file to write (JSON lines, one per example that names a
# cassette through metadata: {"file": "./spec/a_spec.rb", "cassette": "/abs/.../name.yml",
# "spread": true}). `spread`: the `:vcr` tag came from a group, not the example itself, so the
# cassette is written only if the example makes a request.
#
# Why it looks like this:
# - `--dry-run` runs no example and no hook, but still reports every example to formatters with its
#   full metadata, after the spec helpers have configured VCR: exactly what the names need.
# - The name is VCR's own rule (VCR::RSpec::Metadata, 5.x and 6.x): the example group descriptions
#   and the example's joined by "/", the scoped id for an example without a description,
#   `cassette_name:` winning. Only when the helpers called `configure_rspec_metadata!`: otherwise
#   the tag names no cassette.
# - The file path comes from VCR::Cassette itself (its persister sanitizes the name and adds the
#   serializer's extension, per-example options included); building one reads and writes nothing.
# - It requires nothing beyond what rspec has loaded; JSON is written by hand (json is a gem, and a
#   Gemfile.lock may pin another version).

module RerecordCollect
  # Strings as JSON wants them: UTF-8, with quotes, backslashes and control characters escaped.
  def self.json_string(text)
    escaped = text.to_s.encode('UTF-8', invalid: :replace, undef: :replace).gsub(/["\\\u0000-\u001f]/) do |char|
      case char
      when '"' then '\\"'
      when '\\' then '\\\\'
      when "\n" then '\\n'
      when "\t" then '\\t'
      else format('\\u%04x', char.ord)
      end
    end
    "\"#{escaped}\""
  end

  def self.metadata_configured?
    defined?(::VCR) && ::VCR.configuration.instance_variable_get(:@rspec_metadata_configured) == true
  end

  def self.name_for(metadata)
    description = metadata[:description].to_s.empty? ? metadata[:scoped_id] : metadata[:description]
    group = metadata.key?(:example_group) ? metadata[:example_group] : metadata[:parent_example_group]
    group ? "#{name_for(group)}/#{description}" : description.to_s
  end

  # Whether the example's own tag (not only a group's) asks for a cassette.
  def self.own_tag?(example)
    example.metadata[:vcr] && example.example_group.metadata[:vcr].nil?
  end

  def self.spec_file(example)
    example.metadata[:rerun_file_path] || example.file_path
  end

  def self.cassette_of(example)
    options = example.metadata[:vcr]
    options = options.is_a?(Hash) ? options.dup : {}
    name = options.delete(:cassette_name) || name_for(example.metadata)
    ::VCR::Cassette.new(name, options).file
  end
end

# `--format RerecordCollectFormatter`: rspec finds a formatter by its top-level constant.
class RerecordCollectFormatter
  ::RSpec::Core::Formatters.register self, :example_started, :close

  def initialize(_output)
    @lines = []
  end

  def example_started(notification)
    example = notification.example
    return unless example.metadata[:vcr] && RerecordCollect.metadata_configured?

    file = RerecordCollect.cassette_of(example)
    spread = !RerecordCollect.own_tag?(example)
    # A shared example's own file is the shared file; the spec that runs it is the one to map.
    @lines << "{\"file\":#{RerecordCollect.json_string(RerecordCollect.spec_file(example))}," \
              "\"cassette\":#{RerecordCollect.json_string(file)},\"spread\":#{spread}}"
  rescue StandardError => e
    @lines << "{\"file\":#{RerecordCollect.json_string(RerecordCollect.spec_file(example))},\"error\":#{RerecordCollect.json_string("#{e.class}: #{e.message}")}}"
  end

  def close(_notification)
    File.write(ENV.fetch('RERECORD_COLLECT_OUTPUT'), @lines.map { |line| "#{line}\n" }.join)
  end
end
