v=@{defined("x")}
