# frozen_string_literal: true

require "json"

# A Rack app: a greeting at /, and /healthz for the container's health check.
class Greeter
  def initialize(greeting)
    @greeting = greeting
  end

  def call(env)
    case env["PATH_INFO"]
    when "/healthz"
      json(200, status: "ok")
    when "/"
      name = Rack::Utils.parse_query(env["QUERY_STRING"]).fetch("name", "world")
      json(200, message: "#{@greeting}, #{name}!")
    else
      json(404, error: "not found")
    end
  end

  private

  def json(status, body)
    [status, { "content-type" => "application/json" }, [JSON.generate(body)]]
  end
end
