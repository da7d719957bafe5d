# The models the API serves, as an app's own constants would list them: spec files loop over them,
# so the cassette names their examples get exist only at run time.
MODELS = %w[alpha beta gamma].freeze
ITEM_OF = { 'alpha' => 1, 'beta' => 2, 'gamma' => 3 }.freeze
