# frozen_string_literal: true

require_relative "lib/greeter"

run Greeter.new(ENV.fetch("GREETING", "Hello"))
