# Some lines must stay lines: a poem, an address, the steps of a derivation.
# A line that ends in two spaces stays a line,  
# and so does one that ends in a backslash,\
# while this line and the next
# join into one paragraph.
x = 1
