a
@elseif 1
