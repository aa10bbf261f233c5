#require "JSONEncoder.class.nut:2.0.0"
local l = 1;
